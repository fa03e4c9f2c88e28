"""Scrapy project that walks portals' disclosure columns and writes every exchange to WARC.

The crawler decides nothing about report contents: it recognises report links by
their titles, follows pagination and attachments, and leaves parsing to ingest.
"""

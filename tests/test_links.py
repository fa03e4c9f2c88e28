"""Report recognition by title, and reading list pages."""

import lxml.html
import pytest

from nianbao.crawler.links import classify_links, column_articles, is_report_column
from nianbao.parsers.report import looks_like_report_title


@pytest.mark.parametrize("title", [
    "平潭综合实验区2023年度政府信息公开工作年度报告",
    "2023年政府信息公开工作年度报告",
    "示范县人民政府2023年政府信息公开工作年度报告（图片版）",
    "示范县人民政府2023年政府信息公开工作年度报告(超链版)",
    "武陟县木栾街道办事处 2023 年政府信息公开工作年度报告",
    "政府信息公开工作年度报告",
    "平潭综合实验区地方税务局2013年信息公开年度报告",
    "县统计局2022年政府信息公开年报",
])
def test_report_titles(title):
    assert looks_like_report_title(title)


@pytest.mark.parametrize("title", [
    "关于做好2023年政府信息公开工作年度报告编制发布工作的通知",
    "2024年政务公开工作要点",
    "示范县人民政府网站2023年度工作报表",
    "2024年政府工作报告",
    "示范县2023年法治政府建设年度报告",
    "示范县人民政府信息公开指南",
    "关于2014年政府信息公开工作要点落实情况的函",
])
def test_not_report_titles(title):
    assert not looks_like_report_title(title)


PAGE = """<html><head><meta name="ColumnType" content="信息公开年报"/></head><body>
<a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/zwgk/2023/">2023年</a>
<ul><li><a href="./202401/t20240129_550505.html">示范县人民政府2023年政府信息…</a></li>
<li><a href="./202312/t20231205_570707.html">关于做好2023年度报告编制的通知</a></li>
<li><a href="./202301/t20230130_540404.html" title="示范县人民政府2022年政府信息公开工作年度报告">示范县…</a></li>
<li><a href="./P020240129.pdf">示范县2023年年度报告.pdf</a></li>
<li><a href="http://other.example/t20240129_1.html">外站2023年政府信息公开工作年度报告</a></li></ul></body></html>"""


def test_links_of_a_column_page():
    tree = lxml.html.fromstring(PAGE)
    base = "http://127.0.0.1/zwgk/zfxxgknb/index.html"
    kinds = {link.url.rsplit("/", 1)[-1]: link.kind for link in classify_links(tree, base)}
    assert kinds["t20230130_540404.html"] == "report"  # full title in title=
    assert kinds["P020240129.pdf"] == "attachment"
    assert kinds[""] == "column"
    # a report on another host is kept (a province page listing departments' reports);
    # whether it is fetched is the scope middleware's decision
    assert kinds["t20240129_1.html"] == "report"
    assert is_report_column(tree)
    articles = {link.url.rsplit("/", 1)[-1] for link in column_articles(tree, base)}
    assert articles == {"t20240129_550505.html"}  # cut-short title, kept; the notice, not


def test_user_agent_carries_the_configured_contact(tmp_path):
    from nianbao.crawler.run import crawl_settings

    settings = crawl_settings(tmp_path, None, {"NIANBAO_CONTACT": "mailto:ops@example.org"})
    assert settings["USER_AGENT"].startswith("nianbao/")
    assert "mailto:ops@example.org" in settings["USER_AGENT"]
    assert crawl_settings(tmp_path, None, {"USER_AGENT": "x"})["USER_AGENT"] == "x"
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1

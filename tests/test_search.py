"""What the search index is made of: the ledger's names as whole words for jieba, brackets as separators, and
the item entries (the browser tests in ``test_browser_search.py`` search them in Chromium)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jieba
import pytest

from ducha import gather_inputs
from ducha.ledger.rulesfile import load_rules
from ducha.plugin.search import MaterialSearchIndexer, load_search_words, search_separator, search_words

REPO = Path(__file__).resolve().parents[1]
SENTENCE = "由市住房和城乡建设局牵头，市大数据管理中心配合，张市长批示，周敏周末前报送刘秘书长"


@pytest.fixture(scope="module")
def rules():
    return load_rules(REPO / "items")


def test_the_names_come_from_the_rules(rules):
    words = search_words(rules)
    assert words == sorted(set(words))
    for word in ("市住房和城乡建设局", "市大数据管理中心", "市政务服务中心", "张建国", "市长", "张市长", "李常务副市长",
                 "李副市长", "刘秘书长", "孙主任", "周敏", "郑晓燕"):  # fmt: skip
        assert word in words, word
    assert all(len(w) > 1 for w in words)


def test_jieba_cuts_the_names_whole_and_alike_in_every_build(rules):
    jieba.initialize()
    load_search_words(jieba, [])  # jieba's own dictionary, whatever an earlier build in this process loaded
    before = list(jieba.cut(SENTENCE))
    total = jieba.dt.total
    assert "市住房和城乡建设局" not in before and "张市长" not in before
    words = search_words(rules)
    load_search_words(jieba, words)
    cut = list(jieba.cut(SENTENCE))
    for name in ("市住房和城乡建设局", "市大数据管理中心", "张市长", "周敏", "刘秘书长"):
        assert name in cut, cut
    assert "周末" in cut
    # another ledger's words, then this one's again: the same cut, the same dictionary total
    load_search_words(jieba, ["住房和城乡", "周敏周"])
    assert list(jieba.cut(SENTENCE)) != cut
    load_search_words(jieba, words)
    assert list(jieba.cut(SENTENCE)) == cut
    again = jieba.dt.total
    load_search_words(jieba, words)
    assert jieba.dt.total == again
    load_search_words(jieba, [])
    assert list(jieba.cut(SENTENCE)) == before and jieba.dt.total == total


def test_brackets_and_marks_separate_tokens():
    zh = "[\\s\\u200b\\u3000\\-、。，．？！；]+"
    extended = search_separator(zh)
    assert extended.startswith(zh[:-2]) and extended.endswith("〔〕［］【】（）《》“”‘’：·]+")
    assert search_separator(extended) == extended
    assert search_separator("\\s+") == "\\s+"  # not a character class: left alone


def test_an_items_search_entry_has_its_number_id_and_what_people_remember(tmp_path):
    from browsing import copy_sample

    root = copy_sample(tmp_path)
    inputs = gather_inputs(root, dt.date(2026, 11, 26), from_history=False, warn=lambda m: None)
    pages = {p.src_uri: p for p in inputs.builder(search_indexer=MaterialSearchIndexer(search_plugin=None)).build()}
    entry = pages["items/DC-2026-0086.md"].search_entries
    assert len(entry) == 1 and entry[0]["location"] == ""
    title = entry[0]["title"].replace("\u200b", "")
    assert title.startswith("江府督办〔2026〕86号 DC-2026-0086 持续推进既有住宅加装电梯工作")
    text = entry[0]["text"].replace("\u200b", "")
    for part in ("牵头单位：市住房和城乡建设局", "交办领导：副市长王晓东（王副市长）", "成熟一个、推进一个", "拟办意见：拟请市住建局牵头"):
        assert part in text, part
    five = pages["items/DC-2026-0005.md"].search_entries[0]["text"].replace("\u200b", "")
    assert five.count("进展：") == 3 and "报结" not in five  # the latest three progress reports
    letter = pages["items/DC-2026-0055.md"].search_entries[0]["text"].replace("\u200b", "")
    assert "答复：" in letter
    assert json.dumps(entry, ensure_ascii=False).count("<p>") >= 2

"""Search finds what people remember, in a real browser (headless Chromium through Playwright).

The sample ledger is copied into a temporary git repository and built with the real ``ducha build``; Chromium
types into Material's search box and the first result must be the item meant: a phrase of its summary, its
document number as shown and short (江府督办〔2026〕86号 / 86号), its id, its leader's name. A staff member's
name must not find words that merely start with the same character (周敏: 周末, 周边).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from click.testing import CliRunner

from browsing import REPO, Session, copy_sample, git, serve
from ducha.cli import main

NUMBER_ID = "DC-2026-0086"
PHRASE, PHRASE_ID = "拉网式排查", "DC-2026-0001"


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("search-ledger"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "台账", date="2026-11-25T18:00:00+08:00")
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--as-of", "2026-11-26"])
    assert result.exit_code == 0, result.output
    return root / "site"


@pytest.fixture(scope="module")
def browser(chromium, built_site):
    with serve(built_site) as base:
        session = Session(chromium, base)
        session.goto("/")
        yield session
        assert not session.errors, session.errors
        assert not session.external(), session.external()
        session.close()


def _item(item_id: str) -> dict:
    return yaml.safe_load((REPO / "items" / "2026" / f"{item_id}.yml").read_text(encoding="utf-8"))


def _results(browser, word: str, href_part: str) -> list[str]:
    """The links of the results for ``word``, in order, once a result links to ``href_part``."""
    browser.search(word, href_part)
    links = browser.page.locator("li.md-search-result__item > a.md-search-result__link")
    return [re.sub(r"\?.*$", "", h).removeprefix(browser.base) for h in links.evaluate_all("els => els.map(e => e.href)")]


def _items(links: list[str]) -> list[str]:
    return [m.group(1) for link in links if (m := re.fullmatch(r"items/(DC-\d{4}-\d{4,5})/", link))]


def test_a_phrase_of_the_summary_finds_the_item_first(browser):
    item = _item(PHRASE_ID)
    assert PHRASE in item["summary"] and PHRASE not in item["title"]
    assert _results(browser, PHRASE, f"items/{PHRASE_ID}/")[0] == f"items/{PHRASE_ID}/"


@pytest.mark.parametrize("query", ["江府督办〔2026〕86号", "〔2026〕86号", "86号", NUMBER_ID])
def test_a_document_number_as_shown_or_short_and_the_id_find_the_item_first(browser, query):
    links = _results(browser, query, f"items/{NUMBER_ID}/")
    assert links[0] == f"items/{NUMBER_ID}/", links[:5]


@pytest.mark.parametrize("query", ["张建国", "张市长"])
def test_a_leaders_name_finds_that_leaders_items_only(browser, query):
    mayors = sorted(p.stem for p in (REPO / "items" / "2026").glob("DC-*.yml") if _item(p.stem)["leader"] == "mayor_zhang")
    links = _results(browser, query, f"items/{mayors[0]}/")
    found = _items(links)
    assert links[0] == f"items/{found[0]}/" and found[0] in mayors
    assert found and set(found) <= set(mayors), [i for i in found if i not in mayors]
    # the item page highlights the name, not every word starting with its first character (the list is this
    # query's: the search cleared the last one's, and no answer for an earlier query comes after a later one's)
    first = browser.page.locator("li.md-search-result__item > a.md-search-result__link").first.get_attribute("href")
    assert parse_qs(urlsplit(first).query)["h"] == [query], first


def test_a_staff_name_is_one_word_not_its_first_character(browser, built_site):
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(d["title"] + d["text"] for d in index["docs"]).replace("\u200b", "")
    assert "周边" in text and "周末" in text  # words the name must not find
    browser.search("周敏", "bulletins/2026/notice-01/")
    shown = browser.page.locator(".md-search-result__list").inner_text()
    articles = browser.page.locator("li.md-search-result__item").all_inner_texts()
    assert articles and all("周敏" in a for a in articles), articles
    assert "周边" not in shown and "周末" not in shown


def test_every_page_uses_ducha_search_worker_around_materials(built_site):
    workers = sorted((built_site / "assets" / "javascripts" / "workers").glob("ducha-search.*.min.js"))
    assert len(workers) == 1
    material = workers[0].name.removeprefix("ducha-")
    assert (built_site / "assets" / "javascripts" / "workers" / material).is_file()
    code = workers[0].read_text(encoding="utf-8")
    assert f'importScripts("{material}")' in code and '"张市长"' in code and '"市住房和城乡建设局"' in code
    for page in [built_site / "index.html", built_site / "items" / NUMBER_ID / "index.html", built_site / "guide" / "index.html",
                 built_site / "404.html"]:
        config = re.search(r'<script id="__config"[^>]*>(.*?)</script>', page.read_text(encoding="utf-8"), re.S).group(1)
        assert json.loads(config)["search"].endswith(f"assets/javascripts/workers/ducha-{material}"), page



def test_the_page_reads_the_search_settings_and_the_worker_the_index(browser, built_site):
    """The theme's page asks for the search index as it starts, to hand it to the worker: it is given the
    settings only (ducha_page.json: the same config, no entries), and the worker fetches what it builds from
    itself; searching still finds the item."""
    settings = json.loads((built_site / "search" / "ducha_page.json").read_text(encoding="utf-8"))
    whole = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert settings == {"config": whole["config"], "docs": []}
    browser.goto("items/")
    try:
        assert _results(browser, PHRASE, f"items/{PHRASE_ID}/")[0] == f"items/{PHRASE_ID}/"
        read = browser.page.evaluate("performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)")
        assert "/search/ducha_page.json" in read and "/search/search_index.json" not in read, read
        assert any(u.endswith("/search/ducha_first.json") for u in browser.requests)  # the worker's
    finally:
        browser.goto("/")  # where the other tests fetch from


# A worker file that loads ``worker`` after ``prelude`` and, instead of its first READY, posts the index it built
# (lunr's serialisation: every term's postings, every field vector, in lunr's key orders).
CAPTURE = """
%s
importScripts(%s);
(function (lunr) {
  var build = lunr.Builder.prototype.build, index = null, post = self.postMessage.bind(self);
  lunr.Builder.prototype.build = function () { return index = build.call(this); };
  self.postMessage = function (message) {
    if (message && message.type === 1) return post({type: "index", json: JSON.stringify(index.toJSON())});
    return post(message);
  };
})(self.lunr);
"""

# Each plan: [a capturing worker file, the setup message's extra keys, or null to hand it nothing]; the indexes built.
BUILT = """async (plans) => {
  const index = await (await fetch("search/search_index.json")).json();
  const setup = {config: index.config, docs: index.docs, options: {suggest: false}};
  const build = ([name, extra]) => new Promise((resolve, reject) => {
    const worker = new Worker("assets/javascripts/workers/" + name);
    worker.onerror = e => reject(e.message);
    worker.onmessage = ev => { if (ev.data.type === "index") { worker.terminate(); resolve(ev.data.json); } };
    if (extra !== null) worker.postMessage(Object.assign({type: 0, data: setup}, extra));
  });
  const built = [];
  for (const plan of plans) built.push(await build(plan));
  return built;
}"""


def _built(browser, built_site, plans: list[tuple[str, str, str, dict | None]]) -> list[str]:
    """The serialised indexes the plans' workers build: (file name, prelude, worker: "ducha" or "material",
    the setup message's extra keys or None)."""
    folder = built_site / "assets" / "javascripts" / "workers"
    ducha = next(folder.glob("ducha-search.*.min.js")).name
    for name, prelude, worker, _ in plans:
        target = ducha if worker == "ducha" else ducha.removeprefix("ducha-")
        (folder / name).write_text(CAPTURE % (prelude, json.dumps(target)), encoding="utf-8")
    return browser.page.evaluate(BUILT, [[name, extra] for name, _, _, extra in plans])


def test_ducha_worker_builds_the_index_lunr_builds(browser, built_site):
    """ducha's worker replaces lunr's Builder.add and createFieldVectors with faster ones: the index they make,
    serialised (every term's postings and positions, every field vector, in lunr's key orders), is the one
    lunr's own builder makes from the same search index in Material's worker (the whole index, as ducha's worker
    builds it in a worker of its own: ``duchaWhole``)."""
    whole = "self.duchaWholeIndex = true;  // ducha's worker: only the whole index, from the search index handed over"
    built = _built(browser, built_site, [("check-material.js", whole, "material", {"duchaWhole": True}),
                                         ("check-ducha.js", whole, "ducha", {"duchaWhole": True})])
    lunr_index, ducha_index = (json.loads(b) for b in built)
    assert len(lunr_index["invertedIndex"]) > 1000 and len(lunr_index["fieldVectors"]) > 100
    assert built[1] == built[0]


def test_the_first_index_cut_lean_is_the_one_materials_tokenizer_makes(browser, built_site):
    """The first index's words are cut without Material's tokens and position tables, and its field vectors are
    made when a query needs them: serialised (every term's postings, every field vector, in lunr's key orders),
    it is the first index cut by Material's tokenizer with its vectors made at once."""
    built = _built(browser, built_site, [("check-lean.js", "self.duchaFirstLean = true;", "ducha", {}),
                                         ("check-tokens.js", "self.duchaFirstLean = false;", "ducha", {})])
    lean = json.loads(built[0])
    assert len(lean["invertedIndex"]) > 1000 and len(lean["fieldVectors"]) > 100
    assert all(postings == {} for _, entry in lean["invertedIndex"] for field, docs in entry.items() if field != "_index"
               for postings in docs.values())  # no positions in the first index
    assert built[0] == built[1]


def test_the_first_index_file_makes_the_first_index_the_search_index_makes(browser, built_site):
    """The worker builds its first index from the build's first index file (fetched as it starts; every entry,
    an item's text cut to its units-and-leader and summary paragraphs): the same first index as from the whole
    search index handed over by the page and cut in the worker; the file is a fraction of the search index."""
    built = _built(browser, built_site, [("check-file.js", "", "ducha", None),
                                         ("check-page.js", "self.fetch = undefined;", "ducha", {})])
    assert len(json.loads(built[0])["fieldVectors"]) > 100
    assert built[0] == built[1]
    first, whole = (built_site / "search" / name for name in ("ducha_first.json", "search_index.json"))
    assert json.loads(first.read_text(encoding="utf-8"))["config"] == json.loads(whole.read_text(encoding="utf-8"))["config"]
    assert first.stat().st_size < whole.stat().st_size / 2


OWN_ANSWERS = """async ([query, url]) => {
  const worker = new Worker(url);
  const answers = [];
  await new Promise((resolve, reject) => {
    worker.onerror = e => reject(e.message);
    worker.onmessage = ev => {
      const m = ev.data;
      if (m.type === 1) worker.postMessage({type: 2, data: query});
      if (m.type !== 3) return;
      answers.push({index: m.duchaIndex, links: m.data.items.map(group => group[0].location)});
      if (m.duchaIndex === "full") resolve();
    };
  });
  worker.terminate();
  return answers;
}"""


@pytest.mark.parametrize("nested", ["", "self.Worker = function () { throw new Error('no'); };"])
def test_a_worker_the_page_hands_nothing_over_to_answers_from_its_files(browser, built_site, nested):
    """A worker that gets no search index from the page builds its first index from the first index file and
    the whole one from the search index it fetches, in a worker of its own or, where it cannot start one, itself."""
    folder = built_site / "assets" / "javascripts" / "workers"
    ducha = next(folder.glob("ducha-search.*.min.js")).name
    (folder / "check-own.js").write_text(f"{nested}\nimportScripts({json.dumps(ducha)});\n", encoding="utf-8")
    answers = browser.page.evaluate(OWN_ANSWERS, [PHRASE, "assets/javascripts/workers/check-own.js"])
    assert [a["index"] for a in answers] == ["first", "full"], answers
    assert all(a["links"][0] == f"items/{PHRASE_ID}/" for a in answers), answers


ANSWERS = """async ([queries, wait, url]) => {
  const index = await (await fetch("search/search_index.json")).json();
  const worker = new Worker(url || JSON.parse(document.querySelector("#__config").textContent).search);
  const answers = [];
  const done = new Promise((resolve, reject) => {
    worker.onerror = e => reject(e.message);
    worker.onmessage = ev => {
      const m = ev.data;
      if (m.type !== 3) return;
      answers.push({seq: m.duchaSeq, index: m.duchaIndex, links: m.data.items.map(group => group[0].location),
                    items: JSON.stringify(m.data.items)});
      if (m.duchaIndex === "full" && m.duchaSeq === queries.length) resolve();
    };
  });
  worker.postMessage({type: 0, data: {config: index.config, docs: index.docs, options: {suggest: false}}});
  if (wait) await new Promise(resolve => worker.addEventListener("message", ev => ev.data.type === 1 && resolve()));
  for (const query of queries) worker.postMessage({type: 2, data: query});
  await done;
  worker.terminate();
  return answers;
}"""


def _mayors() -> list[str]:
    return sorted(p.stem for p in (REPO / "items" / "2026").glob("DC-*.yml") if _item(p.stem)["leader"] == "mayor_zhang")


@pytest.mark.parametrize("query", [PHRASE, "江府督办〔2026〕86号", "86号", NUMBER_ID, "张建国"])
def test_the_first_index_answers_at_once_and_the_whole_index_after_it(browser, query):
    """A query typed before anything is ready is answered from the first index (titles, units and leader,
    summaries), then again from the whole index built in a worker of its own: both answers find the item first
    (a leader's name: that leader's items only)."""
    answers = browser.page.evaluate(ANSWERS, [[query], False, None])
    assert [a["index"] for a in answers] == ["first", "full"], answers
    for answer in answers:
        items = _items(answer["links"])
        if query == "张建国":
            assert items and set(items) <= set(_mayors()) and answer["links"][0] == f"items/{items[0]}/", answer
        else:
            assert answer["links"][0] == f"items/{PHRASE_ID if query == PHRASE else NUMBER_ID}/", answer


@pytest.mark.parametrize("wait", [False, True])
def test_no_answer_for_an_earlier_query_comes_after_a_later_ones(browser, wait):
    """Queries typed faster than the worker answers: every answer is for the newest query at the time, so the
    last answers the page gets are the last query's (the earlier ones' are dropped or come before)."""
    queries = ["张建国", NUMBER_ID, "86号", PHRASE]
    answers = browser.page.evaluate(ANSWERS, [queries, wait, None])
    seqs = [a["seq"] for a in answers]
    assert seqs == sorted(seqs) and seqs[-1] == len(queries), answers
    assert all(a["links"][0] == f"items/{PHRASE_ID}/" for a in answers if a["seq"] == len(queries)), answers


@pytest.mark.parametrize(("nested", "indexes"), [("self.Worker = undefined;", ["full"]),
                                                 ("self.Worker = function () { throw new Error('no'); };", ["first", "full"])])
def test_without_workers_of_its_own_the_worker_builds_the_whole_index_itself(browser, built_site, nested, indexes):
    """Where a worker cannot start one of its own, the whole index is built in the search worker: at once, or
    after the first index has answered (and the query is answered again)."""
    folder = built_site / "assets" / "javascripts" / "workers"
    ducha = next(folder.glob("ducha-search.*.min.js")).name
    (folder / "check-nested.js").write_text(f"{nested}\nimportScripts({json.dumps(ducha)});\n", encoding="utf-8")
    answers = browser.page.evaluate(ANSWERS, [[PHRASE], False, "assets/javascripts/workers/check-nested.js"])
    assert [a["index"] for a in answers] == indexes, answers
    assert all(a["links"][0] == f"items/{PHRASE_ID}/" for a in answers), answers


@pytest.mark.parametrize("query", [PHRASE, "张建国", "86号", NUMBER_ID, "市住房和城乡建设局"])
def test_the_first_index_highlights_results_as_with_positions_kept(browser, built_site, query):
    """The first index keeps no positions and finds a result's when it answers: the results, highlighted, are
    those of the same index built with its positions."""
    folder = built_site / "assets" / "javascripts" / "workers"
    ducha = next(folder.glob("ducha-search.*.min.js")).name
    (folder / "check-positions.js").write_text(f"self.duchaFirstPositions = true;\nimportScripts({json.dumps(ducha)});\n", encoding="utf-8")
    lazy = browser.page.evaluate(ANSWERS, [[query], False, None])[0]
    kept = browser.page.evaluate(ANSWERS, [[query], False, "assets/javascripts/workers/check-positions.js"])[0]
    assert lazy["index"] == kept["index"] == "first"
    assert "<mark" in kept["items"] and lazy["items"] == kept["items"]


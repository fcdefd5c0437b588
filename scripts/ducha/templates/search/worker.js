// ducha: the site's search worker, around Material's own (served from the same folder, so Material's worker
// finds its lunr language files where it expects them). The plugin writes the ledger's names and the widths of
// an id's number (4 or 5 digits) in place of DUCHA_SETTINGS and Material's worker file name in place of DUCHA_MATERIAL_WORKER.
//
// Material's worker cuts a Chinese query by the words its index holds but never takes the query's last word
// ("拉网式排查" becomes 拉网式, "张建国" becomes 张 and so finds 张贴), and keeps an id or a document number typed
// as shown ("江府督办〔2026〕86号", "86号") as one term the index never has. Here the query is cut the way the
// index was: at the index's separators, between Chinese and other characters, Chinese by the ledger's names
// (units, leaders, staff: whole words, as jieba cut them at build time) and otherwise the longest word the
// index holds. A result has every word of the query, exactly or as a prefix (what is still being typed); exact
// words rank first, and a document number (〔2026〕86号, 86号) ranks the item whose id it is (DC-2026-0086) first.
"use strict";
var DUCHA = /*DUCHA_SETTINGS*/{"words": [], "widths": [4]};
var duchaNames = Object.create(null);
DUCHA.words.forEach(function (w) { duchaNames[w] = true; });
var DUCHA_NUMBER = /(?:〔(\d{4})〕)?(\d+)号/g;
var duchaIndex = null;    // the lunr index Material builds (captured below)
var duchaPending = null;  // the words of the query being answered
var DUCHA_HAN = /\p{Script=Han}/u;
var DUCHA_RUNS = /\p{Script=Han}+|[^\p{Script=Han}]+/gu;
var DUCHA_SYNTAX = /[:^~+*"]/g;  // lunr query syntax: never from what people type here

function duchaCutHan(run, inverted) {
  var words = [];
  for (var i = 0; i < run.length;) {
    var len = 1;
    for (var j = Math.min(run.length, i + 24); j > i + 1; j--) {
      var w = run.slice(i, j);
      if (duchaNames[w] || Object.prototype.hasOwnProperty.call(inverted, w)) { len = j - i; break; }
    }
    words.push(run.slice(i, i + len));
    i += len;
  }
  return words;
}

function duchaWords(query, index) {
  var words = [];
  var separator = self.lunr.tokenizer.separator;
  String(query).toLowerCase().replace(DUCHA_SYNTAX, " ").split(separator).forEach(function (piece) {
    (piece.match(DUCHA_RUNS) || []).forEach(function (run) {
      if (DUCHA_HAN.test(run)) words.push.apply(words, duchaCutHan(run, index.invertedIndex));
      else if (run.trim()) words.push.apply(words, run.trim().split(/\s+/));
    });
  });
  return words.filter(function (w, n) { return w && words.indexOf(w) === n; });
}

function duchaIds(query) {  // the numbers of the items a document number in the query names, as their ids have them
  var ids = [];
  String(query).replace(DUCHA_NUMBER, function (all, year, seq) {
    DUCHA.widths.forEach(function (width) {
      var padded = String(Number(seq)).padStart(width, "0");
      if (ids.indexOf(padded) < 0) ids.push(padded);
    });
    return all;
  });
  return ids;
}

// Two indexes, so the first results need not wait for the whole one. Every entry is indexed first with its title
// and, for an item, the paragraph of its units and leader and the paragraph of its summary (what people remember
// it by: number, id, title, units, leader, summary); the search answers from that index at once, and a worker
// of its own (this file again) builds the whole index meanwhile. Once that one is ready it answers every query,
// and the newest query the first index answered is asked again, so its results become the whole index's.
// Queries are numbered as they come: an answer is shown only if it is for the newest query, and a query
// still waiting here when a newer one comes is dropped, so results for an earlier keystroke never replace
// those for a later one.
var DUCHA_SETUP = 0, DUCHA_READY = 1, DUCHA_QUERY = 2, DUCHA_RESULT = 3;  // Material's message types
var DUCHA_ITEM = /^items\/[^#]*$/;
var DUCHA_LABELLED = /^<p>[\u200b\s]*(?:拟办|进展|报结|答复)/;  // paragraphs after the summary: opinion, progress, result, reply
var duchaOwn = false;       // a message this worker hands to Material's handler itself
var duchaFull = null;       // the whole index's worker (once the first index is ready)
var duchaFullReady = false;
var duchaSetup = null;      // the search index the whole index is built from
var duchaSeq = 0;           // the number of the newest query
var duchaLatest = null;     // the newest query: {data, seq}
var duchaWaiting = false;   // the newest query is still to be answered here
var duchaAnswering = 0;     // the number of the query Material's handler is answering
var duchaQuiet = false;     // Material's next READY is not the page's (the first index let go)
var duchaTimer = null;
// The whole index's worker is started once the first query is answered, or this long after the first index
// is ready: its fetching and building take CPU the first answer to someone typing as the page opens needs.
var DUCHA_FULL_AFTER = 1000;
var DUCHA_INDEX = "../../../search/search_index.json";  // from assets/javascripts/workers/, where Material's workers are
var DUCHA_FIRST = "../../../search/ducha_first.json";   // what the first index is built from (plugin/search.py: FIRST_INDEX)

// What the first index is built from is fetched here as soon as this worker starts: the build's first index
// file (every entry, an item's text cut as duchaFirstText cuts it; a fraction of the whole index to fetch and
// read), or, for the worker that builds the whole index here, the search index. The page hands over the whole
// search index once it has fetched and read it itself: whichever comes first is indexed first. The page's copy
// is kept for the whole index while it may be needed here (no worker of its own, or one that cannot fetch it).
function duchaJSON(url, signal) {  // a file of the site, read as JSON (url: from this worker's folder, or whole)
  return fetch(new URL(url, self.location.href).href, signal ? {signal: signal} : undefined).then(function (response) {
    if (!response.ok) throw new Error(response.status);
    return response.json();
  });
}

var duchaWholeHere = self.location.hash === "#whole" || self.duchaWholeIndex === true;  // the whole index's worker
var duchaStarted = false;   // the first index is being built (or, without workers of its own, the whole one)
var duchaPrefetch = null;
var duchaPageDocs = null;   // the page's copy of the search index's entries, while the whole index may need it
var duchaWholeWanted = [];  // what waits for the whole search index here (handed to it once it is had)
var duchaWholeHad = false;  // the whole index is built, or being built here: the page's copy is not needed
var duchaPageSettings = null;  // the page handed over the search index's settings only (search-handover.js)
if (!duchaWholeHere && typeof fetch === "function" && typeof AbortController === "function") {
  var duchaCut = typeof Worker === "function";  // without workers of its own, the whole index is built here at once
  duchaPrefetch = new AbortController();
  duchaJSON(duchaCut ? DUCHA_FIRST : DUCHA_INDEX, duchaPrefetch.signal).then(function (index) {
    duchaPrefetch = null;
    if (!duchaStarted) duchaFirst({config: index.config, docs: index.docs, options: DUCHA.options || {suggest: false}}, duchaCut);
  }, function () {
    duchaPrefetch = null;  // the page's copy will do, or the search index fetched here
    if (!duchaStarted && duchaPageSettings !== null) duchaFromIndex(duchaPageSettings);
  });
}

function duchaFromIndex(setup) {  // the first index from the search index, fetched here
  if (typeof fetch !== "function") return;
  duchaJSON(DUCHA_INDEX).then(function (index) {
    if (!duchaStarted) duchaFirst({config: setup.config, docs: index.docs, options: setup.options}, false);
  }, function () {});
}

var DUCHA_NO_METADATA = Object.freeze({});
// the first index, built without positions: {building, index, docs (location -> doc), tokenizer, pipeline, cut,
// lean (its words cut without Material's tokens and tables), checks (documents still cut both ways), extractors}
var duchaLazy = {building: false, index: null, docs: new Map(), tokenizer: null, pipeline: null, cut: new Map(),
                 lean: false, checks: 0, extractors: null, separator: null, global: null, splits: false};
// The first index needs a field's words, not Material's tokens (a lunr.Token and its position for each word)
// nor its table of their offsets (kept for highlighting): those are made for a result's fields when it is
// answered. Its words are cut here as Material's tokenizer cuts them (markup skipped, text split at the
// separator, lower-cased) where the pipeline leaves every word as it is (Chinese: only lunr.zh's stemmer, which
// does) and no segmenter is loaded; the first documents are cut both ways, and on any difference the rest are
// cut Material's way.
var DUCHA_LEAN_CHECKED = 50;

function duchaLeanPossible(builder) {
  var lunr = self.lunr, identity = [lunr.zh && lunr.zh.stemmer].filter(Boolean);
  return lunr.segmenter === undefined && builder.pipeline._stack.every(function (fn) { return identity.indexOf(fn) >= 0; });
}

function duchaLeanWords(input) {  // Material's tokenize (extract, then split each text section), words only
  var words = [], inputs = Array.isArray(input) ? input : [input], separator = self.lunr.tokenizer.separator;
  if (input === undefined) return words;
  if (duchaLazy.separator !== separator) {
    duchaLazy.separator = separator;
    duchaLazy.global = new RegExp(separator, "g");
    // a character class, once or more (ducha's own, plugin/search.py: search_separator): never an empty match,
    // no groups, so String.prototype.split cuts where Material's split does (less the empty pieces)
    duchaLazy.splits = /^\[(?:[^\]\\]|\\.)*\]\+$/.test(separator.source);
  }
  var re = duchaLazy.global;
  function text(value, from, to) {
    var section = value.slice(from, to), index = 0, match;
    if (duchaLazy.splits) {
      var pieces = section.toLowerCase().split(re);
      for (var p = 0; p < pieces.length; p++) if (pieces[p]) words.push(pieces[p]);
      return;
    }
    re.lastIndex = 0;
    do {
      match = re.exec(section);
      var until = match ? match.index : section.length;
      if (index < until) words.push(section.slice(index, until).toLowerCase());
      if (match) {
        index = match.index + match[0].length;
        if (match[0].length === 0) re.lastIndex = match.index + 1;
      }
    } while (match);
  }
  for (var i = 0; i < inputs.length; i++) {
    var value = inputs[i], start = 0, end = 0;
    for (; end < value.length; end++) {
      var c = value.charCodeAt(end);
      if (c === 60 && end > start) {  // "<" after a section of text
        text(value, start, end);
        start = end;
      } else if (c === 62) {  // ">": the section from start is markup
        start = end + 1;
      }
    }
    if (end > start) text(value, start, end);
  }
  return words;
}

function duchaLeanTerms(builder, doc, fieldName) {  // the words of a document's field for the first index
  var value = doc[fieldName], words = duchaLeanWords(value);
  if (duchaLazy.checks > 0) {
    duchaLazy.checks -= 1;
    var table = self.lunr.tokenizer.table;
    self.lunr.tokenizer.table = [];
    try {
      var terms = builder.pipeline.run(builder.tokenizer(value, {fields: [fieldName]}));
    } finally {
      self.lunr.tokenizer.table = table;
    }
    var same = terms.length === words.length && terms.every(function (term, n) { return term.toString() === words[n]; });
    if (!same) {
      duchaLazy.lean = false;
      return terms;
    }
  }
  return words;
}

// The first index, from the first index file (cut: true) or the search index, fetched here or handed over by the
// page; without workers of its own, the whole index at once.
function duchaFirst(setup, cut) {
  duchaStarted = true;
  if (duchaPrefetch !== null) { duchaPrefetch.abort(); duchaPrefetch = null; }
  if (typeof Worker !== "function") {
    return duchaWhole({config: setup.config, docs: cut ? null : setup.docs, options: setup.options}, function (whole) {
      duchaHand({type: DUCHA_SETUP, data: whole});  // the whole index, here
    });
  }
  duchaSetup = {config: setup.config, docs: cut ? null : setup.docs, options: setup.options};
  // the file's entries are cut already and kept for nothing else; the search index's are copied (Material's
  // handler marks the copies it indexes) and cut
  var docs = cut ? setup.docs : setup.docs.map(function (doc) {
    return DUCHA_ITEM.test(doc.location) ? Object.assign({}, doc, {text: duchaFirstText(doc.text)}) : Object.assign({}, doc);
  });
  docs.forEach(function (doc) { duchaLazy.docs.set(doc.location, doc); });
  duchaLazy.building = self.duchaFirstPositions !== true;  // (a test compares the two)
  duchaHand({type: DUCHA_SETUP, data: {config: setup.config, docs: docs, options: setup.options}});
}

function duchaFirstText(text) {  // an item's units-and-leader paragraph and its summary
  var paragraphs = String(text).match(/<p>[\s\S]*?<\/p>/g) || [];
  var keep = paragraphs.slice(0, 1);
  if (paragraphs.length > 1 && !DUCHA_LABELLED.test(paragraphs[1])) keep.push(paragraphs[1]);
  return keep.join(" ");
}

function duchaHand(message) {  // to Material's handler, as if the page had sent it
  duchaOwn = true;
  try { self.dispatchEvent(new MessageEvent("message", {data: message})); } finally { duchaOwn = false; }
}

function duchaAnswer() {  // the newest query, from the index built here
  duchaWaiting = false;
  if (duchaFullReady) return duchaAsk(duchaLatest);
  duchaAnswering = duchaLatest.seq;
  duchaHand({type: DUCHA_QUERY, data: duchaLatest.data});
}

function duchaAsk(query) {  // the whole index's worker
  duchaFull.postMessage({type: DUCHA_QUERY, data: query.data, duchaSeq: query.seq});
}

function duchaWholeInPlace(setup) {  // no worker of its own: the whole index built here, in place of the first
  duchaWhole(setup, function (whole) {
    duchaQuiet = true;
    duchaHand({type: DUCHA_SETUP, data: whole});
  });
}

// The whole search index, for ``then``: the one the first index was built from, else the page's copy, else
// fetched here; if that fails, the page's copy when it comes.
function duchaWhole(setup, then) {
  function done(docs) {
    duchaWholeHad = true;
    duchaPageDocs = null;
    then({config: setup.config, docs: docs, options: setup.options});
  }
  if (setup.docs !== null) return done(setup.docs);
  if (duchaPageDocs !== null) return done(duchaPageDocs);
  if (typeof fetch !== "function") return duchaWholeWanted.push(done);
  duchaJSON(DUCHA_INDEX).then(function (index) { done(index.docs); }, function () {
    if (duchaPageDocs !== null) done(duchaPageDocs);
    else duchaWholeWanted.push(done);
  });
}

function duchaStartFull() {
  if (duchaSetup === null) return;
  try {
    duchaFull = new Worker(self.location.href.split("#")[0] + "#whole");
  } catch (err) {
    duchaFull = null;
  }
  var setup = duchaSetup;
  duchaSetup = null;
  if (duchaFull === null) return duchaWholeInPlace(setup);
  duchaFull.onerror = function () {  // the whole index's worker failed: built here after all
    duchaFull.terminate();
    duchaFull = null;
    duchaFullReady = false;
    duchaWholeInPlace(setup);
  };
  duchaFull.onmessage = function (ev) {
    var message = ev.data;
    if (message.type === "ducha-docs") {  // it could not fetch the search index: handed over from here
      duchaWhole(setup, function (whole) {
        if (duchaFull !== null) duchaFull.postMessage({type: DUCHA_SETUP, data: whole, duchaWhole: true});
      });
    } else if (message.type === DUCHA_READY) {
      duchaFullReady = true;
      duchaWholeHad = true;
      duchaPageDocs = null;
      duchaQuiet = true;
      // the first index let go: an empty one in its place (lang "en": Material loads no language files again)
      duchaHand({type: DUCHA_SETUP, data: {config: Object.assign({}, setup.config, {lang: ["en"]}), docs: [], options: setup.options}});
      if (duchaLatest !== null && !duchaWaiting) duchaAsk(duchaLatest);
    } else if (message.type === DUCHA_RESULT && message.duchaSeq === duchaSeq) {
      message.duchaIndex = "full";
      duchaPost(message);
    }
  };
  // It fetches the search index itself (from the browser's cache, as a rule) rather than have it handed over:
  // copying it to another worker would hold this one up, and the answers to the next keystrokes with it.
  duchaFull.postMessage({type: DUCHA_SETUP, duchaWhole: true, duchaFetch: new URL(DUCHA_INDEX, self.location.href).href,
                         data: {config: setup.config, docs: [], options: setup.options}});
}

// Registered before Material's handler, so it sees every message first.
addEventListener("message", function (ev) {
  var message = ev.data;
  if (!message) return;
  if (!duchaOwn && message.type === DUCHA_SETUP) {
    if (message.duchaFetch) {  // the whole index, built here from the search index fetched
      ev.stopImmediatePropagation();
      duchaJSON(message.duchaFetch).then(function (index) {
        duchaHand({type: DUCHA_SETUP, data: {config: message.data.config, docs: index.docs, options: message.data.options}});
      }, function () {
        duchaPost({type: "ducha-docs"});
      });
      return;
    }
    if (message.duchaWhole || duchaWholeHere) return;  // the whole index, built here by Material's handler
    ev.stopImmediatePropagation();
    var handed = (message.data.docs || []).length > 0;
    if (!duchaStarted && !handed) {  // the settings only: the first index from what is fetched here
      duchaPageSettings = message.data;
      if (duchaPrefetch === null) duchaFromIndex(message.data);
      return;
    }
    if (!duchaStarted) return duchaFirst(message.data, false);
    if (handed && !duchaWholeHad) {  // the first index is had already: the page's copy kept for the whole index
      duchaPageDocs = message.data.docs;
      duchaWholeWanted.splice(0).forEach(function (done) { done(duchaPageDocs); });
    }
    return;
  }
  if (!duchaOwn && message.type === DUCHA_QUERY) {
    ev.stopImmediatePropagation();
    duchaSeq = message.duchaSeq || duchaSeq + 1;
    duchaLatest = {data: message.data, seq: duchaSeq};
    if (duchaFullReady) duchaAsk(duchaLatest);
    else if (!duchaWaiting) { duchaWaiting = true; setTimeout(duchaAnswer, 0); }
    return;
  }
  // Material gets the words, space-separated (it still segments and highlights them its own way); the
  // search itself asks lunr for the words.
  if (duchaOwn && message.type === DUCHA_QUERY && typeof message.data === "string" && duchaIndex) {
    duchaPending = {words: duchaWords(message.data, duchaIndex), ids: duchaIds(message.data)};
    message.data = duchaPending.words.join(" ");
  }
});

// Material marks a result with the query's terms it found (what the page then highlights, ?h=): with its own
// cut of the words (张建国 as 张) that would highlight every 张, so each result is marked with the words.
var duchaTerms = null;  // location -> {word: found} of the last search
var duchaPost = self.postMessage.bind(self);
self.postMessage = function (message) {
  if (message && message.type === DUCHA_READY) {
    duchaLazy.building = false;
    if (duchaQuiet) {  // not the page's: the whole index ready here (its newest query asked again), or the empty one
      duchaQuiet = false;
      if (duchaFull === null && duchaLatest !== null && !duchaWaiting) { duchaWaiting = true; setTimeout(duchaAnswer, 0); }
      return;
    }
    duchaPost.apply(self, arguments);
    if (duchaSetup !== null) duchaTimer = setTimeout(duchaStartFull, DUCHA_FULL_AFTER);
    return;
  }
  if (message && message.type === DUCHA_RESULT) {
    if (duchaTerms && message.data && Array.isArray(message.data.items)) {
      message.data.items.forEach(function (group) {
        group.forEach(function (item) { if (duchaTerms[item.location]) item.terms = duchaTerms[item.location]; });
      });
    }
    duchaTerms = null;
    if (duchaAnswering !== duchaSeq) return;  // a newer query came meanwhile: its answer follows
    message.duchaSeq = duchaSeq;
    message.duchaIndex = duchaFull === null && duchaSetup === null ? "full" : "first";
    if (duchaSetup !== null) {  // the first answer is out: now the whole index
      clearTimeout(duchaTimer);
      duchaTimer = setTimeout(duchaStartFull, 0);
    }
  }
  return duchaPost.apply(self, arguments);
};

importScripts(/*DUCHA_MATERIAL_WORKER*/"");

// lunr's builder, made fast: the same index (inverted index, field vectors, term indexes, key orders) as
// lunr.Builder.prototype.add and createFieldVectors make, with the work per token done per distinct word of a
// field. lunr looks every token up in its inverted index four times by the token itself (a string made for each
// token, looked up anew each time), and inserts a vector's terms one by one, each a binary search and a splice:
// at 6,000 items that was most of the time before the first results. One difference no search sees: the
// metadata of a word in a document (its positions) is an ordinary object, where lunr makes one without a
// prototype (a dictionary to V8, several times larger: hundreds of thousands of them kept the garbage collector
// busy); its only keys are the metadata whitelist's ("position"). The first index, which keeps no metadata,
// counts a field's words in a Map (fieldVector reads it as lunr's object of counts).
(function (lunr) {
  lunr.Builder.prototype.add = function (doc, attributes) {
    var docRef = doc[this._ref], fields = Object.keys(this._fields);
    var whitelist = duchaLazy.building ? [] : this.metadataWhitelist, keys = whitelist.length;
    if (duchaLazy.building && duchaLazy.tokenizer === null) {
      duchaLazy.tokenizer = this.tokenizer;
      duchaLazy.pipeline = this.pipeline;
      duchaLazy.lean = self.duchaFirstLean !== false && duchaLeanPossible(this);  // (a test compares the two)
      duchaLazy.checks = DUCHA_LEAN_CHECKED;
      duchaLazy.extractors = Object.create(null);
      for (var f = 0; f < fields.length; f++) duchaLazy.extractors[fields[f]] = this._fields[fields[f]].extractor;
    }
    this._documents[docRef] = attributes || {};
    this.documentCount += 1;
    for (var i = 0; i < fields.length; i++) {
      var fieldName = fields[i], extractor = this._fields[fieldName].extractor, terms;
      if (duchaLazy.building && duchaLazy.lean) {
        terms = duchaLeanTerms(this, doc, fieldName);
      } else {
        var field = extractor ? extractor(doc) : doc[fieldName];
        terms = this.pipeline.run(this.tokenizer(field, { fields: [fieldName] }));
      }
      var fieldRef = new lunr.FieldRef(docRef, fieldName).toString(), fieldTerms;
      this.fieldLengths[fieldRef] = terms.length;
      if (keys === 0) {  // no metadata (the first index): each distinct word's count, in the order it first comes
        fieldTerms = new Map();
        for (var t = 0; t < terms.length; t++) {
          var word0 = typeof terms[t] === "string" ? terms[t] : terms[t].toString(), count = fieldTerms.get(word0);
          fieldTerms.set(word0, count === undefined ? 1 : count + 1);
        }
        this.fieldTermFrequencies[fieldRef] = fieldTerms;  // a Map where lunr has an object: fieldVector reads both
        for (var word1 of fieldTerms.keys()) postingOf(this, word1, fields)[fieldName][docRef] = DUCHA_NO_METADATA;
        continue;
      }
      fieldTerms = Object.create(null);
      // each distinct word of the field, in the order it first comes: [count, one list per metadata key]
      var seen = new Map(), order = [];
      for (var j = 0; j < terms.length; j++) {
        var term = terms[j], str = typeof term === "string" ? term : term.toString(), entry = seen.get(str);
        if (entry === undefined) {
          entry = new Array(keys + 1);
          entry[0] = 0;
          for (var e = 1; e <= keys; e++) entry[e] = [];
          seen.set(str, entry);
          order.push(str);
        }
        entry[0] += 1;
        for (var l = 0; l < keys; l++) entry[l + 1].push(term.metadata[whitelist[l]]);
      }
      this.fieldTermFrequencies[fieldRef] = fieldTerms;
      for (var n = 0; n < order.length; n++) {
        var word = order[n], found = seen.get(word), posting = postingOf(this, word, fields);
        fieldTerms[word] = found[0];
        var docs = posting[fieldName], metadata = docs[docRef];
        if (metadata === undefined) metadata = docs[docRef] = keys ? {} : DUCHA_NO_METADATA;
        for (var m = 0; m < keys; m++) {
          var key = whitelist[m], list = metadata[key];
          if (list === undefined) metadata[key] = found[m + 1];
          else list.push.apply(list, found[m + 1]);
        }
      }
    }
  };

  // a word's posting in the inverted index, made when the word is first met: an ordinary object (the same keys
  // in the same order, one shape in V8) with the word's index and a document map per field
  function postingOf(builder, word, fields) {
    var posting = builder.invertedIndex[word];
    if (posting === undefined) {
      posting = {};
      posting["_index"] = builder.termIndex;
      builder.termIndex += 1;
      for (var k = 0; k < fields.length; k++) posting[fields[k]] = Object.create(null);
      builder.invertedIndex[word] = posting;
    }
    return posting;
  }

  function fieldVector(builder, ref, idfs) {  // the vector of a field of a document (ref: "field/docRef")
    var fieldRef = lunr.FieldRef.fromString(ref), fieldName = fieldRef.fieldName;
    var fieldLength = builder.fieldLengths[ref], termFrequencies = builder.fieldTermFrequencies[ref];
    var counted = termFrequencies instanceof Map;
    var terms = counted ? Array.from(termFrequencies.keys()) : Object.keys(termFrequencies), pairs = new Array(terms.length);
    var fieldBoost = builder._fields[fieldName].boost || 1, docBoost = builder._documents[fieldRef.docRef].boost || 1;
    for (var j = 0; j < terms.length; j++) {
      var term = terms[j], tf = counted ? termFrequencies.get(term) : termFrequencies[term], posting = builder.invertedIndex[term], idf = idfs[term];
      if (idf === undefined) idf = idfs[term] = lunr.idf(posting, builder.documentCount);
      var score = idf * ((builder._k1 + 1) * tf) / (builder._k1 * (1 - builder._b + builder._b * (fieldLength / builder.averageFieldLength[fieldName])) + tf);
      score *= fieldBoost;
      score *= docBoost;
      pairs[j] = [posting._index, Math.round(score * 1000) / 1000];
    }
    pairs.sort(function (a, b) { return a[0] - b[0]; });
    var elements = new Array(2 * pairs.length);
    for (var p = 0; p < pairs.length; p++) { elements[2 * p] = pairs[p][0]; elements[2 * p + 1] = pairs[p][1]; }
    return new lunr.Vector(elements);
  }

  lunr.Builder.prototype.createFieldVectors = function () {
    var fieldVectors = {}, fieldRefs = Object.keys(this.fieldTermFrequencies), idfs = Object.create(null);
    if (duchaLazy.building && typeof Proxy === "function") {
      this.fieldVectors = lazyFieldVectors(this, fieldRefs, idfs);
      return;
    }
    for (var i = 0; i < fieldRefs.length; i++) fieldVectors[fieldRefs[i]] = fieldVector(this, fieldRefs[i], idfs);
    this.fieldVectors = fieldVectors;
  };

  // The first index's field vectors are made when a query first needs them (a search scores only the fields
  // of the documents it matched): the same vectors, in the same key order, without the time of making all
  // of them before the first answer. The builder's term frequencies and postings are kept for them.
  function lazyFieldVectors(builder, fieldRefs, idfs) {
    var made = Object.create(null), known = Object.create(null);
    fieldRefs.forEach(function (ref) { known[ref] = true; });
    function get(ref) {
      var vector = made[ref];
      if (vector === undefined && known[ref] === true) vector = made[ref] = fieldVector(builder, ref, idfs);
      return vector;
    }
    return new Proxy(Object.create(null), {
      get: function (target, key) { return typeof key === "string" ? get(key) : undefined; },
      has: function (target, key) { return typeof key === "string" && known[key] === true; },
      ownKeys: function () { return fieldRefs.slice(); },
      getOwnPropertyDescriptor: function (target, key) {
        return known[key] === true ? {value: get(key), writable: true, enumerable: true, configurable: true} : undefined;
      }
    });
  }
})(self.lunr);

(function (lunr) {
  var build = lunr.Builder.prototype.build;
  lunr.Builder.prototype.build = function () {
    duchaIndex = build.call(this);
    if (duchaLazy.building) duchaLazy.index = duchaIndex;
    return duchaIndex;
  };
  var search = lunr.Index.prototype.search;
  lunr.Index.prototype.search = function (query) {
    var results = duchaSearch.call(this, query);
    if (this === duchaLazy.index) duchaPositions(results);
    return results;
  };
  function duchaSearch(query) {
    var pending = duchaPending;
    duchaPending = null;
    if (this !== duchaIndex || pending === null) return search.call(this, query);
    var required = lunr.Query.presence.REQUIRED;
    var results = this.query(function (q) {
      pending.words.forEach(function (word) {
        q.term(word, { boost: 10, usePipeline: true });
        q.term(word, { boost: 1, usePipeline: false, wildcard: lunr.Query.wildcard.TRAILING, presence: required });
      });
      pending.ids.forEach(function (id) { q.term(id, { boost: 100, usePipeline: false }); });
    });
    duchaTerms = Object.create(null);
    results.forEach(function (result) {
      var found = Object.keys(result.matchData.metadata), terms = {};
      pending.words.forEach(function (word) {
        terms[word] = found.some(function (term) { return term.indexOf(word) === 0; });
      });
      duchaTerms[result.ref] = terms;
    });
    return results;
  }

  // The first index keeps no positions (the metadata of every word in every document: most of what building
  // it allocates); Material highlights a result by them, so a result's are found when it is answered, by
  // cutting its fields again as they were cut for the index (the same tokenizer, pipeline and table offsets).
  function duchaPositions(results) {
    results.forEach(function (result) {
      var doc = duchaLazy.docs.get(result.ref), metadata = result.matchData.metadata;
      if (doc === undefined) return;
      Object.keys(metadata).forEach(function (term) {
        Object.keys(metadata[term]).forEach(function (field) {
          metadata[term][field] = {position: duchaFieldPositions(doc, field).get(term) || []};
        });
      });
    });
  }

  function duchaFieldPositions(doc, field) {  // term -> its positions in the field, as the index would have them
    var key = doc.location + ":" + field, found = duchaLazy.cut.get(key);
    if (found !== undefined) return found;
    found = new Map();
    var table = lunr.tokenizer.table, extractor = duchaLazy.extractors && duchaLazy.extractors[field];
    lunr.tokenizer.table = [];
    try {
      // the field's extractor starts Material's table of the field afresh (cut lean, it has none yet; cut
      // Material's way, the same table again), which the tokenizer fills as it did when the index was built
      var value = extractor ? extractor(doc) : doc[field];
      var tokens = duchaLazy.pipeline.run(duchaLazy.tokenizer(value, {fields: [field]}));
      tokens.forEach(function (token) {
        var str = token.toString(), list = found.get(str);
        if (list === undefined) found.set(str, list = []);
        list.push(token.metadata.position);
      });
    } finally {
      lunr.tokenizer.table = table;
    }
    if (duchaLazy.cut.size > 2000) duchaLazy.cut.clear();
    duchaLazy.cut.set(key, found);
    return found;
  }
})(self.lunr);

// ducha: the theme's page requests the whole search index (search/search_index.json) as it starts, reads it and
// hands it to the search worker, all on the page's own thread: at 6,000 items that is 17 MB to read and copy,
// seconds of a phone's time on every page it opens. ducha's search worker fetches what it builds from itself
// (search/ducha_first.json for its first index, the search index for the whole one), so the theme's first
// request for the search index is sent for the index's settings only (search/ducha_page.json: the same
// "config", no entries) where the page's search worker is ducha's. Loaded before the theme's scripts; every
// other request is left as it is.
(function () {
  var script = document.currentScript, open = XMLHttpRequest.prototype.open;
  var index = new URL(script.getAttribute("data-index"), location.href).href;
  var settings = new URL(script.getAttribute("data-settings"), location.href).href;
  function handover(method, url) {
    var args = Array.prototype.slice.call(arguments);
    if (XMLHttpRequest.prototype.open === handover) {
      var asked = new URL(String(url), location.href);
      if (asked.origin + asked.pathname === index && ownWorker()) {
        XMLHttpRequest.prototype.open = open;  // the theme's first request for it only
        args[1] = settings;
      }
    }
    return open.apply(this, args);
  }
  function ownWorker() {  // the theme's settings (read as the theme's scripts start) name ducha's search worker
    var config = document.getElementById("__config");
    try {
      return /\/ducha-search\.[^/]*\.js$/.test(JSON.parse(config.textContent).search);
    } catch (err) {
      return false;
    }
  }
  XMLHttpRequest.prototype.open = handover;
  addEventListener("load", function () {
    if (XMLHttpRequest.prototype.open === handover) XMLHttpRequest.prototype.open = open;
  });
})();

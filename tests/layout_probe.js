() => {
  // What a reader sees wrong on a page: the page wider than the window, table cells too narrow to read,
  // an id, document number or commit hash broken over two lines.
  const out = { width: document.documentElement.scrollWidth, viewport: window.innerWidth, narrow: [], broken: [] };
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  for (const cell of document.querySelectorAll("article td, article th")) {
    if (!visible(cell) || !cell.textContent.trim()) continue;
    const cs = getComputedStyle(cell);
    const inner = cell.getBoundingClientRect().width - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    if (inner < 2 * parseFloat(cs.fontSize) - 0.5) out.narrow.push(`${cell.textContent.trim().slice(0, 20)} (${inner.toFixed(1)}px)`);
  }
  const token = /DC-\d{4}-\d{4,5}|[0-9a-f]{10,40}|[\u4e00-\u9fff]{1,6}〔\d{4}〕\d+号|A\d{3}:[\w:-]+/g;
  const walker = document.createTreeWalker(document.querySelector("article") || document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement || !visible(node.parentElement)) continue;
    for (const m of node.data.matchAll(token)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) out.broken.push(m[0]);
    }
  }
  // what sticks out: elements whose right edge passes the window (first few)
  out.wide = [];
  if (out.width > out.viewport) {
    for (const el of document.querySelectorAll("article *")) {
      const r = el.getBoundingClientRect();
      if (r.right > out.viewport + 1 && out.wide.length < 5) out.wide.push(`${el.tagName}.${el.className} ${Math.round(r.right)}`);
    }
  }
  return out;
}

// A list of fixed-height rows that keeps only the visible ones in the DOM, over items loaded in pages:
// the owner prepends or appends pages as the reader nears either end (onNearStart / onNearEnd).

import { clear, h } from "./dom.js";

const OVERSCAN = 12;

export class VirtualList {
  constructor({ rowHeight = 24, renderRow, onNearStart = () => {}, onNearEnd = () => {}, className = "" }) {
    this.rowHeight = rowHeight;
    this.renderRow = renderRow;
    this.onNearStart = onNearStart;
    this.onNearEnd = onNearEnd;
    this.items = [];
    this.spacer = h("div", { class: "vlist-spacer" });
    this.el = h("div", { class: `vlist ${className}`, tabindex: "0" }, this.spacer);
    this.frame = 0;
    this.el.addEventListener("scroll", () => this.schedule());
    this.pending = null; // where to scroll once the list is on the page and has a height
    this.resize = new ResizeObserver(() => {
      if (this.pending && this.el.clientHeight) this.scrollTo(this.pending);
      this.schedule();
    });
    this.resize.observe(this.el);
  }

  destroy() {
    this.resize.disconnect();
    cancelAnimationFrame(this.frame);
  }

  atEnd() {
    return this.el.scrollTop + this.el.clientHeight >= this.el.scrollHeight - this.rowHeight;
  }

  set(items, { scrollToIndex = null, end = false } = {}) {
    this.items = items;
    this.size();
    this.scrollTo({ index: scrollToIndex, end });
  }

  scrollTo(where) {
    this.pending = this.el.clientHeight ? null : where;
    if (where.end) this.el.scrollTop = this.el.scrollHeight;
    else if (where.index !== null) this.el.scrollTop = Math.max(0, (where.index - 2) * this.rowHeight);
    else this.el.scrollTop = 0;
    this.draw();
  }

  prepend(items) {
    if (!items.length) return;
    const top = this.el.scrollTop;
    this.items = items.concat(this.items);
    this.size();
    this.el.scrollTop = top + items.length * this.rowHeight;
    this.draw();
  }

  append(items, { follow = false } = {}) {
    if (!items.length) return;
    this.items = this.items.concat(items);
    this.size();
    if (follow) this.el.scrollTop = this.el.scrollHeight;
    this.draw();
  }

  // Drop items from one end so that a long reading session keeps memory flat.
  trim(most, fromStart) {
    const extra = this.items.length - most;
    if (extra <= 0) return 0;
    if (fromStart) {
      this.items = this.items.slice(extra);
      this.size();
      this.el.scrollTop = Math.max(0, this.el.scrollTop - extra * this.rowHeight);
    } else {
      this.items = this.items.slice(0, most);
      this.size();
    }
    this.draw();
    return extra;
  }

  redraw() {
    this.draw();
  }

  size() {
    this.spacer.style.height = `${this.items.length * this.rowHeight}px`;
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
      const edge = 4 * this.rowHeight;
      if (this.el.scrollTop < edge) this.onNearStart();
      if (this.el.scrollTop + this.el.clientHeight > this.el.scrollHeight - edge) this.onNearEnd();
    });
  }

  draw() {
    const height = this.el.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.el.scrollTop / this.rowHeight) - OVERSCAN);
    const last = Math.min(this.items.length, Math.ceil((this.el.scrollTop + height) / this.rowHeight) + OVERSCAN);
    clear(this.spacer);
    for (let i = first; i < last; i++) {
      const row = this.renderRow(this.items[i], i);
      row.style.position = "absolute";
      row.style.top = `${i * this.rowHeight}px`;
      row.style.height = `${this.rowHeight}px`;
      row.style.left = "0";
      row.style.right = "0";
      this.spacer.append(row);
    }
  }
}

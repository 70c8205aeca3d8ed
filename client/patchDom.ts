/**
 * Brings a live piece of a page up to date from a freshly built one, keeping every element that is
 * still there.
 *
 * Pages that redraw from a view (the support group, the circle's cards) are easiest to write as
 * "build the whole thing again". Swapping the new nodes in, though, replaces every button a second
 * (a topic timer ticks in the same card): a press that lands between the swap and the next frame
 * goes to a node that is gone, the field being typed in loses its focus, and a screen reader
 * starts over. So the new tree is only a description: each live node that matches its new
 * counterpart (same tag, same `data-testid` or `data-key`) stays, and takes over its attributes,
 * its text, its `on…` handlers and its form value; only what changed shape is replaced.
 *
 * Handlers must be set as properties (`button.onclick = …`), which are copied; listeners added
 * with `addEventListener` stay with the node they were added to.
 */

/** Handler properties a live element takes from its new counterpart. */
const HANDLERS = ["onclick", "oninput", "onkeydown", "onchange", "onsubmit"] as const;

/** Makes `live`'s children match `next` (nodes, in order), keeping the live nodes that match. */
export function patchChildren(live: Element, next: readonly Node[]): void {
  for (let i = 0; i < next.length; i += 1) {
    const want = next[i]!;
    const have = live.childNodes[i];
    if (have && sameKind(have, want)) patch(have, want);
    else if (have) live.replaceChild(want, have);
    else live.append(want);
  }
  while (live.childNodes.length > next.length) live.lastChild!.remove();
}

function keyOf(node: Element): string | undefined {
  return node.getAttribute("data-testid") ?? node.getAttribute("data-key") ?? undefined;
}

function sameKind(have: Node, want: Node): boolean {
  if (have.nodeType !== want.nodeType || have.nodeName !== want.nodeName) return false;
  return !(have instanceof Element) || keyOf(have) === keyOf(want as Element);
}

function patch(have: Node, want: Node): void {
  if (!(have instanceof Element) || !(want instanceof Element)) {
    if (have.nodeValue !== want.nodeValue) have.nodeValue = want.nodeValue;
    return;
  }
  for (const { name } of [...have.attributes]) if (!want.hasAttribute(name)) have.removeAttribute(name);
  for (const { name, value } of want.attributes)
    if (have.getAttribute(name) !== value) have.setAttribute(name, value);
  const h = have as unknown as Record<string, unknown>;
  const w = want as unknown as Record<string, unknown>;
  for (const handler of HANDLERS) if (h[handler] !== w[handler]) h[handler] = w[handler];
  // A field's value is a property, not an attribute; one being typed in keeps its caret when equal.
  if (
    (have instanceof HTMLInputElement || have instanceof HTMLTextAreaElement) &&
    have.value !== (want as HTMLInputElement).value
  )
    have.value = (want as HTMLInputElement).value;
  patchChildren(have, [...want.childNodes]);
}

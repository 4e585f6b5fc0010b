// The few DOM helpers the panels share.

const SVG = 'http://www.w3.org/2000/svg'

/** The element with this id, of this type; the page is broken without it, so that throws. */
export function byId(id: string): HTMLElement
export function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T
export function byId(id: string, type: abstract new () => HTMLElement = HTMLElement): HTMLElement {
  const element = document.getElementById(id)
  if (!(element instanceof type)) throw new Error(`missing #${id}`)
  return element
}

/** A new HTML element with an optional class and text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  if (className !== undefined) element.className = className
  if (text !== undefined) element.textContent = text
  return element
}

/** A new SVG element with these attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string>>,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value)
  return element
}

import ts from 'typescript'

export interface CodeBlock {
  readonly language: string
  readonly code: string
  /** 1-based line of the opening fence. */
  readonly line: number
}

/** Marks a block as the runnable one when it is not the first `js`/`ts` block. */
export const RUNNABLE_MARKER = '<!-- runnable -->'

const SCRIPT_LANGUAGES = new Set(['js', 'javascript', 'mjs', 'ts', 'typescript'])

/** Every fenced code block, in order. */
export function codeBlocks(markdown: string): (CodeBlock & { readonly marked: boolean })[] {
  const blocks: (CodeBlock & { marked: boolean })[] = []
  const lines = markdown.split('\n')
  let open: { language: string; line: number; fence: string; marked: boolean } | undefined
  let body: string[] = []
  let previous = ''
  lines.forEach((text, index) => {
    if (open === undefined) {
      const fence = /^(`{3,}|~{3,})\s*([\w-]*)/.exec(text)
      if (fence !== null) {
        open = {
          language: (fence[2] ?? '').toLowerCase(),
          line: index + 1,
          fence: fence[1] ?? '```',
          marked: previous.trim() === RUNNABLE_MARKER,
        }
        body = []
      } else if (text.trim() !== '') {
        previous = text
      }
      return
    }
    if (text.trim().startsWith(open.fence)) {
      blocks.push({
        language: open.language,
        code: body.join('\n'),
        line: open.line,
        marked: open.marked,
      })
      open = undefined
      previous = ''
      return
    }
    body.push(text)
  })
  return blocks
}

/** The README's usage example: the block marked runnable, else the first `js`/`ts` block. */
export function usageBlock(markdown: string): CodeBlock | undefined {
  const scripts = codeBlocks(markdown).filter((block) => SCRIPT_LANGUAGES.has(block.language))
  return scripts.find((block) => block.marked) ?? scripts[0]
}

/**
 * The packages the README tells users to install: the first `npm install` / `npm i` /
 * `pnpm add` / `yarn add` line of a shell block, without flags (`-g` included).
 */
export function installLine(
  markdown: string,
): { readonly command: string; readonly packages: string[] } | undefined {
  for (const block of codeBlocks(markdown)) {
    if (!['sh', 'bash', 'shell', 'console', ''].includes(block.language)) continue
    for (const raw of block.code.split('\n')) {
      const line = raw.replace(/^\$\s*/, '').trim()
      const match = /^(npm (?:install|i)|pnpm add|yarn add)\s+(.+)$/.exec(line)
      if (match === null) continue
      const packages = (match[2] ?? '')
        .split(/\s+/)
        .filter((word) => word !== '' && !word.startsWith('-'))
      if (packages.length > 0) return { command: line, packages }
    }
  }
  return undefined
}

/** A `ts` block is compiled to JavaScript (types erased, nothing else changed); `js` is kept. */
export function toJavaScript(block: CodeBlock): string {
  if (!['ts', 'typescript'].includes(block.language)) return block.code
  return ts.transpileModule(block.code, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  }).outputText
}

/** The package names an example imports (bare specifiers only). */
export function importedPackages(code: string): string[] {
  const names = new Set<string>()
  for (const match of code.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
    const specifier = match[1] ?? ''
    if (specifier.startsWith('.') || specifier.startsWith('node:') || specifier.startsWith('/'))
      continue
    const parts = specifier.split('/')
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier))
  }
  return [...names].sort()
}

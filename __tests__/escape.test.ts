/**
 * The untrusted-text boundary, judged by a real CommonMark + GFM parser: whatever a server
 * sends, the escaped form parses to one table row (one cell), one paragraph or one heading
 * whose only content is text: no HTML, link, image, emphasis, mention, reference or autolink.
 */
import fc from 'fast-check'
import { micromark } from 'micromark'
import { gfm, gfmHtml } from 'micromark-extension-gfm'
import { forgetSecrets, redact, rememberSecret } from '../src/redaction.js'
import { cell, code, heading, link, logText, oneLine, table, text } from '../src/render/escape.js'

function html(markdown: string): string {
  return micromark(markdown, {
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
    // Raw HTML passes through, so any that the escaping let by shows up as a tag.
    allowDangerousHtml: true
  })
}

function decode(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

/** What a reader should see: the string on one line, without the invisible link breakers. */
function visible(rendered: string): string {
  return decode(rendered)
    .replace(/\u200B/g, '')
    .trim()
}

/** No GitHub autolink, mention or issue reference can form in the text a parser produced. */
function expectNoGitHubLinks(rendered: string): void {
  const shown = decode(rendered)
  expect(shown).not.toMatch(/(^|[^\w])@[A-Za-z0-9]/)
  expect(shown).not.toMatch(/#[A-Za-z0-9]/)
  expect(shown).not.toMatch(/:\/\//)
  expect(shown).not.toMatch(/www\./i)
}

/** The one cell of a two-column row whose second cell must survive as `end`. */
function renderedCell(markdown: string): string {
  const out = html(`| A | B |\n| --- | --- |\n| ${markdown} | end |\n`)
  const body = /<tbody>\n([\s\S]*)<\/tbody>/.exec(out)?.[1] ?? ''
  const rows = body.match(/<tr>/g) ?? []
  expect(rows).toHaveLength(1)
  const cells = [...body.matchAll(/<td>([\s\S]*?)<\/td>/g)].map(match => match[1] ?? '')
  expect(cells).toHaveLength(2)
  expect(cells[1]).toBe('end')
  // Everything outside the table is empty: nothing escaped the row.
  expect(out.replace(/<table>[\s\S]*<\/table>\n?/, '')).toBe('')
  return cells[0] ?? ''
}

function expectTextCell(value: string, rendered = cell(value)): void {
  const inner = renderedCell(rendered)
  expect(inner).not.toContain('<')
  expect(visible(inner)).toBe(
    oneLine(value)
      .replace(/\u200B/g, '')
      .trim()
  )
  expectNoGitHubLinks(inner)
}

function expectCodeCell(value: string): void {
  const rendered = code(value)
  const inner = renderedCell(rendered)
  const span = /^<code>([^<]*)<\/code>$/.exec(inner)
  if (span === null) {
    // Blank values, and a backslash before a pipe, are plain text instead of a code span.
    expect(oneLine(value).trim() === '' || oneLine(value).includes('\\|')).toBe(true)
    expect(inner).not.toContain('<')
    expect(visible(inner)).toBe(oneLine(value).trim())
    return
  }
  expect(decode(span[1] ?? '')).toBe(oneLine(value))
}

function expectParagraph(value: string): void {
  for (const markdown of [
    `${text(value)}\n`,
    `Intro\n${text(value)}\n`,
    `Intro ${text(value)}\n`
  ]) {
    const out = html(markdown)
    if (out === '') {
      expect(oneLine(value).trim()).toBe('')
      continue
    }
    const paragraph = /^<p>([^<]*)<\/p>\n?$/.exec(out)
    expect(paragraph).not.toBeNull()
    expectNoGitHubLinks(paragraph?.[1] ?? '')
  }
}

function expectHeading(value: string): void {
  const out = html(`${heading(3, `Stack ${text(value)}`)}after\n`)
  expect(out).toMatch(/^<h3>[^<]*<\/h3>\n<p>after<\/p>\n?$/)
  expectNoGitHubLinks(/<h3>([^<]*)<\/h3>/.exec(out)?.[1] ?? '')
}

function expectLink(value: string): void {
  const out = html(`${link(value, `https://app.example.com/acme/${value}`)}\n`)
  const anchors = out.match(/<a /g) ?? []
  expect(anchors).toHaveLength(1)
  const match = /^<p><a href="https:\/\/app\.example\.com\/acme\/[^"]*">([^<]*)<\/a><\/p>$/.exec(
    out.trim()
  )
  expect(match).not.toBeNull()
  expectNoGitHubLinks(match?.[1] ?? '')
}

function expectLogLine(value: string): void {
  const line = logText(value)
  // eslint-disable-next-line no-control-regex
  expect(line).not.toMatch(/[\r\n\u0000\u0085\u2028\u2029\u202a-\u202e\u2066-\u2069]/)
  expect(line.trim().startsWith('::')).toBe(false)
  expect(line).not.toContain('##[')
}

function expectAllInert(value: string): void {
  expectTextCell(value)
  expectCodeCell(value)
  expectParagraph(value)
  expectHeading(value)
  expectLink(value)
  expectLogLine(value)
}

/** The issue's rows, and the other ways a string has of escaping its place. */
const NASTY = [
  // Row 3: a lone \r (and every other line break) ending a row or a code span early.
  'aws:s3/bucket:Bucket\r| x | <img src=x onerror=alert(1)> |',
  'id-1\r\n### Heading\r\n@acme/admins please look',
  'type\u2028<script>alert(1)</script>',
  'name\u2029![img](https://evil.example/x.png)',
  'name\u0085[click](https://evil.example)',
  'a\vb\fc',
  '`code` with ``two`` and ``` three ``` backticks\r<b>bold</b>',
  '`',
  '``',
  ' ` ',
  '   ',
  '',
  '|',
  '| --- |',
  '\\',
  'trailing backslash\\',
  '\\|escaped pipe',
  // HTML of every kind.
  '<details open><summary>x</summary>',
  '<!-- comment -->',
  '<![CDATA[x]]>',
  '<?php ?>',
  '&lt;already escaped&gt; &amp; &#64;team &#x40;team',
  'x < y > z & w',
  // Links, images, autolinks.
  '[label](https://evil.example "title")',
  '[ref]: https://evil.example',
  '<https://evil.example>',
  '<mailto:x@evil.example>',
  'https://evil.example/path?q=1',
  'http://evil.example',
  'ftp://evil.example',
  'www.evil.example',
  'WWW.EVIL.EXAMPLE',
  'someone@evil.example',
  'mailto:someone@evil.example',
  // Mentions and references.
  '@octocat',
  '@acme/security-team',
  '#1',
  'fixes #12 and acme/repo#3',
  'GH-12',
  // Block starts.
  '# heading',
  '###### six',
  '> quote',
  '- item',
  '+ item',
  '* item',
  '1. ordered',
  '1) ordered',
  '123456789. ordered',
  '---',
  '===',
  '***',
  '___',
  '    indented code',
  '\tindented code',
  '```js',
  '~~~',
  '- [ ] task',
  '[^1]: footnote',
  // Inline markup.
  '**bold** _em_ ~~strike~~ ~one~',
  '$x^2$ and $$math$$',
  ':tada: :+1:',
  'line  \nbreak',
  // Control characters, bidi, NUL, ANSI, Pulumi colours.
  'nul\u0000byte',
  'bell\u0007 esc\u001b[31mred\u001b[0m del\u007f c1\u0080\u009f',
  'bidi \u202egnp.exe\u202c isolate \u2066x\u2069 mark \u200e\u200f \u061c',
  '<{%fg 1%}>coloured<{%reset%}>',
  // Half surrogate pairs.
  'half \ud800 pair',
  'other half \udc00',
  // Workflow commands.
  '::error::injected',
  '  ::set-output name=x::y',
  'x\n::add-mask::y',
  '##[error]old style',
  'x\r::stop-commands::token'
]

describe('untrusted text: every nasty string is inert', () => {
  it.each(NASTY.map(value => [JSON.stringify(value), value]))('%s', (_label, value) => {
    expectAllInert(value)
  })

  it('holds for generated strings built from the dangerous pieces', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        '\r',
        '\n',
        '\r\n',
        '\u2028',
        '\u2029',
        '\u0085',
        '|',
        '`',
        '``',
        '\\',
        '<',
        '>',
        '&',
        '#',
        '@',
        'www.',
        'https://',
        '::',
        '##[',
        '[',
        ']',
        '(',
        ')',
        '!',
        '*',
        '_',
        '~',
        '$',
        '-',
        '=',
        '1.',
        ' ',
        '    ',
        '\t',
        '\u0000',
        '\u202e',
        '\ud800',
        'a',
        'x.com',
        '<img src=x>',
        '<!--',
        '-->',
        '&amp;',
        '&#64;'
      ),
      fc.string({ unit: 'binary', maxLength: 6 })
    )
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), pieces => {
        expectAllInert(pieces.join(''))
      }),
      { numRuns: 200 }
    )
  })

  it('holds for arbitrary unicode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), value => {
        expectAllInert(value)
      }),
      { numRuns: 150 }
    )
  })
})

describe('untrusted text: what it keeps', () => {
  it('keeps ordinary names readable', () => {
    expect(cell('acme/website/prod')).toBe('acme/website/prod')
    expect(code('urn:pulumi:prod::web::aws:s3/bucket:Bucket::site')).toBe(
      '`urn:pulumi:prod::web::aws:s3/bucket:Bucket::site`'
    )
    expect(logText('urn:pulumi:prod::web::aws:s3/bucket:Bucket::site')).toBe(
      'urn:pulumi:prod::web::aws:s3/bucket:Bucket::site'
    )
    expect(cell(undefined)).toBe('')
    expect(cell(3)).toBe('3')
  })

  it('folds every line break into one space and drops control and bidi characters', () => {
    expect(oneLine('a\rb\nc\r\nd\u2028e\u2029f\u0085g')).toBe('a b c d e f g')
    expect(oneLine('a\u0000b\u202ec\u2066d')).toBe('abcd')
    expect(logText('x\n::error::y')).toBe('x ::error::y')
    expect(logText('::error::y')).toBe(':\u200B:error::y')
  })

  it('keeps a table whole when a caller forgot to escape a cell', () => {
    const markdown = table(['A', 'B'], [['one\rtwo', 'end']])
    expect(markdown.split('\n')).toHaveLength(4)
  })

  it('links only http(s) URLs, without userinfo', () => {
    expect(link('x', 'javascript:alert(1)')).toBe('x')
    expect(link('View', 'https://user:pass@app.example.com/a (b)')).toBe(
      '[View](https://app.example.com/a%20%28b%29)'
    )
  })
})

describe('known secrets are redacted before escaping', () => {
  afterEach(() => {
    forgetSecrets()
  })

  it('redacts a secret whose escaped form the runner could not match', () => {
    rememberSecret('whsec_Abc*def_1')
    const echoed = 'invalid secret whsec_Abc*def_1 ("whsec_Abc*def_1")'
    for (const rendered of [cell(echoed), code(echoed), text(echoed), logText(echoed)]) {
      expect(rendered).not.toContain('Abc')
      expect(rendered.replace(/\\/g, '')).toContain('***')
    }
    expect(redact(`x ${encodeURIComponent('p@ss/w0rd')} y`)).toBe(
      `x ${encodeURIComponent('p@ss/w0rd')} y`
    )
    rememberSecret('p@ss/w0rd')
    expect(redact(`x ${encodeURIComponent('p@ss/w0rd')} y`)).toBe('x *** y')
  })

  it('ignores values too short to be secrets', () => {
    rememberSecret('ab')
    expect(redact('abc')).toBe('abc')
  })
})

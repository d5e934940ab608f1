/** Reading code out of the markdown pages under docs/, for the tests that check it. */

/**
 * The contents of every fenced block of `lang` in `markdown` (```lang … ```, with or without
 * attributes after the language), in order. A block's text ends with its last line's newline,
 * as a file does.
 */
export function codeBlocks(markdown: string, lang: string): string[] {
  const blocks: string[] = [];
  const fence = new RegExp(`^\`\`\`${lang}(?:[ \\t][^\\n]*)?\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  for (const match of markdown.matchAll(fence)) blocks.push(match[1] ?? '');
  return blocks;
}

/** One fenced block: its language, the attributes after it, its text and where it starts. */
export interface FencedBlock {
  /** The language word of the info string (`ts`, `js`, `sh`, … or `''`). */
  readonly lang: string;
  /** `key=value` and bare `key` attributes after the language (`value` may be quoted). */
  readonly attributes: ReadonlyMap<string, string>;
  /** The text, ending with its last line's newline. */
  readonly code: string;
  /** The 1-based line of the opening fence. */
  readonly line: number;
}

/** Every fenced block of `markdown`, in order. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const fence = /^```([^\n]*)\n([\s\S]*?)^```$/gm;
  for (const match of markdown.matchAll(fence)) {
    const info = (match[1] ?? '').trim();
    const lang = /^\S*/.exec(info)![0];
    const attributes = new Map<string, string>();
    for (const [, key = '', quoted, bare] of info
      .slice(lang.length)
      .matchAll(/([\w-]+)(?:="([^"]*)"|=(\S+))?/g))
      attributes.set(key, quoted ?? bare ?? '');
    const line = markdown.slice(0, match.index).split('\n').length;
    blocks.push({ lang, attributes, code: match[2] ?? '', line });
  }
  return blocks;
}

/** Reading code out of the markdown pages under docs/, for the tests that check it. */

/**
 * The contents of every fenced block of `lang` in `markdown` (```lang … ```), in order. A
 * block's text ends with its last line's newline, as a file does.
 */
export function codeBlocks(markdown: string, lang: string): string[] {
  const blocks: string[] = [];
  const fence = new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  for (const match of markdown.matchAll(fence)) blocks.push(match[1] ?? '');
  return blocks;
}

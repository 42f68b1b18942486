// Rollup plugin: turns the dashboard's one JS chunk into a single HTML file with
// the CSS and JS inlined (the gateway serves one file from flash, no external
// resources), plus its gzip (level 9) — and fails the build when the gzip is
// over budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** Comments out, whitespace squeezed around punctuation. Enough for hand-written CSS. */
export function minifyCss(css) {
  return css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{}:;,>])\s*/g, '$1')
    .replace(/;}/g, '}')
    .trim();
}

/**
 * @param {{template: string, css: string, name: string, maxGzipBytes: number}} o
 *   template: HTML with the markers / *CSS* / and / *JS* / (without spaces) inside <style> and <script>.
 */
export function inlineHtml(o) {
  return {
    name: 'dashboard-inline-html',
    buildStart() {
      this.addWatchFile(o.template);
      this.addWatchFile(o.css);
    },
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((f) => f.type === 'chunk');
      if (chunks.length !== 1) this.error(`expected one JS chunk, got ${chunks.length}`);
      for (const k of Object.keys(bundle)) delete bundle[k];
      // "</script" inside the code would end the inline script early.
      const js = chunks[0].code.trim().replace(/<\/(script)/gi, '<\\/$1');
      const html = readFileSync(o.template, 'utf8')
        .replace(/>\s+</g, '><')
        .replace('/*CSS*/', () => minifyCss(readFileSync(o.css, 'utf8')))
        .replace('/*JS*/', () => js);
      const gz = gzipSync(html, { level: 9 });
      if (gz.length > o.maxGzipBytes)
        this.error(`${o.name}.gz is ${gz.length} bytes, over its budget of ${o.maxGzipBytes} bytes`);
      this.emitFile({ type: 'asset', fileName: o.name, source: html });
      this.emitFile({ type: 'asset', fileName: o.name + '.gz', source: gz });
    },
  };
}

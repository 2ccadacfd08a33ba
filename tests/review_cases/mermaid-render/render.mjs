// Draw Mermaid diagrams to SVG with Mermaid's own renderer in a system Chromium, as mermaid-cli (mmdc) draws them, but
// in ONE page that loads Mermaid once: mmdc opens a page and loads Mermaid for every diagram, which made the test
// spend most of its time loading the same scripts again.
// argv[2]: the Chromium to drive; stdin: a JSON array of diagram texts;
// stdout: per text {ok: true, svg} (serialized as mmdc writes it) or {ok: false, error}.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer';

const here = path.dirname(fileURLToPath(import.meta.url));
// the Mermaid that mermaid-cli itself renders with (its dependency, hoisted by npm), as a classic script
const mermaidScript = path.join(here, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js');

let input = '';
for await (const chunk of process.stdin) input += chunk;
const texts = JSON.parse(input);

// mmdc's launch options: the headless shell, plus the test's puppeteer config (no sandbox, no GPU)
const browser = await puppeteer.launch({ headless: 'shell', executablePath: process.argv[2],
                                         args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  page.on('console', (message) => console.warn(message.text()));
  await page.setContent('<!doctype html><html><body><div id="container"></div></body></html>');
  await page.addScriptTag({ path: mermaidScript });
  const results = await page.evaluate(async (texts) => {
    const container = document.getElementById('container');
    await Promise.all(Array.from(document.fonts, (font) => font.load()));
    // mmdc's configuration when none is given: startOnLoad off, the default theme (securityLevel stays 'strict')
    window.mermaid.initialize({ startOnLoad: false, theme: 'default' });
    const out = [];
    for (const text of texts) {
      try {
        const { svg } = await window.mermaid.render('my-svg', text, container);
        container.innerHTML = svg;
        out.push({ ok: true, svg: new XMLSerializer().serializeToString(container.getElementsByTagName('svg')[0]) });
      } catch (error) {
        out.push({ ok: false, error: String(error?.message ?? error).slice(0, 500) });
      }
      container.innerHTML = '';
    }
    return out;
  }, texts);
  process.stdout.write(JSON.stringify(results));
} finally {
  await browser.close();
}

// Parse Mermaid documents with Mermaid's own parser (node + jsdom; rendering SVG needs a browser's layout).
// stdin: a JSON array of diagram texts; stdout: per text {ok, error} and, for flowcharts, the node texts,
// subgraph titles and edge labels as the renderer would show them.
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

// Mermaid keeps entity codes as placeholders while parsing and turns them back before rendering
// (decodeEntities in mermaid's src/mermaidAPI.ts); the browser then reads them as HTML entities.
const textarea = document.createElement('textarea');
function shown(text) {
  textarea.innerHTML = String(text ?? '').replace(/ﬂ°°/g, '&#').replace(/ﬂ°/g, '&').replace(/¶ß/g, ';');
  return textarea.value;
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    const vertices = {};
    for (const [id, vertex] of db.getVertices()) vertices[id] = shown(vertex.text);
    const subgraphs = {};
    for (const graph of db.getSubGraphs()) subgraphs[graph.id] = shown(graph.title);
    const edges = db.getEdges().map((edge) => [edge.start, edge.end, shown(edge.text)]);
    results.push({ ok: true, type: diagram.type, vertices, subgraphs, edges });
  } catch (error) {
    results.push({ ok: false, error: String(error?.message ?? error).slice(0, 500) });
  }
}
process.stdout.write(JSON.stringify(results));

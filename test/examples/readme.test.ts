import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The README's TypeScript snippets must run as written: each ```ts block becomes a module (its
// `from 'kiln'` import pointed at the sources) and is imported once.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README snippets', () => {
  it('has the Keras and TF1 examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  blocks.forEach((code, i) => {
    it(`snippet ${i + 1} runs`, async () => {
      const dir = fs.mkdtempSync(path.join(root, 'test', '.readme-'));
      try {
        const file = path.join(dir, `snippet_${i + 1}.ts`);
        const src = code.includes("from 'kiln'") ? code.replace("from 'kiln'", `from ${JSON.stringify(path.join(root, 'src', 'index.js'))}`) : `import * as kiln from ${JSON.stringify(path.join(root, 'src', 'index.js'))};\n${code}`;
        fs.writeFileSync(file, `${src}\nexport {};\n`);
        const log = console.log;
        const printed: unknown[] = [];
        console.log = (...a: unknown[]) => void printed.push(a);
        try {
          await import(pathToFileURL(file).href);
        } finally {
          console.log = log;
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

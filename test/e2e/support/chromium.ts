import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Flags the dashboard tests run Chromium with (CI containers: no sandbox, no GPU, no outside traffic). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  // WebGL (NiiVue) without a GPU: ANGLE on SwiftShader, which Chromium only allows when asked explicitly.
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/**
 * The Chromium to drive: `CHROMIUM_PATH`, else `chromium` / `chromium-browser` / `google-chrome` on PATH
 * (`npx playwright install` cannot download browsers here; Debian's `chromium` package is what CI installs).
 *
 * @example
 * const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_FLAGS });
 */
export function findChromium(env = process.env): string {
  if (env.CHROMIUM_PATH) {
    if (!existsSync(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist`);
    return env.CHROMIUM_PATH;
  }
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      const found = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not on PATH; try the next name
    }
  }
  throw new Error('no Chromium found: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH');
}

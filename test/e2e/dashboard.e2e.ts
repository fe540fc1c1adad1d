import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, Patient, RiskAssessment } from '@medplum/fhirtypes';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, onTestFinished } from 'vitest';
import { patientQuery } from '../../shared/fhir/mapping.js';
import { createLocalPrediction } from '../../providers/local/local-prediction.js';
import { startLocalStack, type LocalStack } from '../../providers/local/local-stack.js';
import { webAppRoutes } from '../../providers/local/web-app-routes.js';
import { generatePhantom, writePhantom } from '../../shared/pipeline/phantom/index.js';
import { MemoryLogger } from '../support/recorders.js';
import { CHROMIUM_FLAGS, findChromium } from './support/chromium.js';
import { DEMO_PATIENT, DEMO_VISITS, seedDemoPatient } from './support/demo-patient.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RESULTS = path.join(ROOT, 'test-results');
const SESSION = '2024-06-03';

describe('clinician dashboard in Chromium', () => {
  let work: string;
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let phantom: { mri: string; pet: string };
  const consoleErrors: string[] = [];
  // The stack's log is kept, and printed only when a step fails.
  const logger = new MemoryLogger();

  beforeAll(async () => {
    const executablePath = findChromium();
    work = await mkdtemp(path.join(tmpdir(), 'adni-e2e-'));
    // The dashboard as it is in this checkout, built like `npm run build:web` does (into a temp dir).
    const dist = path.join(work, 'web-dist');
    await build({ configFile: path.join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
    // A coarser subject than the default (same field of view, ~3x fewer voxels): the real pipeline runs on it in CI time.
    phantom = await writePhantom(
      generatePhantom({ seed: 11, subjectSize: [64, 76, 64], subjectSpacingMm: 2.7, petSize: [56, 66, 56], petSpacingMm: 3 }),
      path.join(work, 'phantom'),
    );

    // Prediction reads histories from the stack's own FHIR server, known once the stack runs.
    const local = await createLocalPrediction({ device: 'cpu' });
    stack = await startLocalStack({
      logger,
      dataDir: path.join(work, 'data'),
      port: 0,
      watch: false,
      concurrency: 1,
      // ADNI_E2E_PIPELINE=validate-only skips the image processing (the job then only checks and copies the inputs).
      ...(process.env.ADNI_E2E_PIPELINE ? { jobEnv: { ADNI_PIPELINE: process.env.ADNI_E2E_PIPELINE } } : {}),
      configure: (app) => app.route('/', webAppRoutes({ distDir: dist })),
      prediction: local.prediction,
    });
    local.bind(stack);
    await seedDemoPatient(stack.fhirUrl!);

    browser = await chromium.launch({ executablePath, args: CHROMIUM_FLAGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Screenshot of the page under test-results/ when the current test fails (every step with ADNI_E2E_SCREENSHOTS=1). */
  const screenshotOnFailure = (name: string) => {
    if (process.env.ADNI_E2E_SCREENSHOTS === '1') {
      onTestFinished(async () => {
        await mkdir(RESULTS, { recursive: true });
        await page?.screenshot({ path: path.join(RESULTS, `e2e-${name}-ok.png`), fullPage: true }).catch(() => undefined);
      });
    }
    onTestFailed(async () => {
      await mkdir(RESULTS, { recursive: true });
      await page?.screenshot({ path: path.join(RESULTS, `e2e-${name}.png`), fullPage: true }).catch(() => undefined);
      if (consoleErrors.length) console.error(`browser console errors:\n${consoleErrors.join('\n')}`);
      console.error(`local stack log (last 40 lines):\n${logger.lines.slice(-40).map((l) => JSON.stringify(l)).join('\n')}`);
    });
  };

  it('lists the demo patient with the last MMSE', async () => {
    screenshotOnFailure('patients');
    await page.goto(`${stack.url}/`);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: DEMO_PATIENT }) });
    await row.waitFor();
    expect(await row.textContent()).toContain(`${DEMO_VISITS.at(-1)!.mmse} (14 Mar 2023)`);
  });

  it('opens the patient dashboard and shows the timeline', async () => {
    screenshotOnFailure('timeline');
    await page.getByRole('link', { name: DEMO_PATIENT }).click();
    const timeline = page.getByRole('list', { name: 'Sessions, newest first' });
    await timeline.waitFor();
    const dates = await timeline.getByRole('listitem').evaluateAll((items: any[]) => items.map((i) => i.dataset.date as string));
    expect(dates).toEqual(DEMO_VISITS.map((v) => v.date).reverse());
    expect(await page.getByRole('region', { name: 'Demographics' }).textContent()).toContain('14 years');
  });

  it('predicts progression and draws the interval band', async () => {
    screenshotOnFailure('predict');
    await page.getByRole('button', { name: 'Predict progression' }).click();
    const facts = page.getByTestId('model-facts');
    await facts.waitFor();
    expect(await facts.textContent()).toMatch(/Trained on simulated data/);
    expect(await facts.textContent()).toMatch(/ on cpu/);
    // The band is an SVG area with a real outline.
    const band = page.getByTestId('chart-mmse').locator('.prediction-band path.recharts-area-area');
    await band.waitFor();
    expect((await band.getAttribute('d'))?.length ?? 0).toBeGreaterThan(20);
    // The prediction was written back to FHIR as a RiskAssessment on the demo patient.
    const patients = (await (await fetch(`${stack.fhirUrl}/Patient?${patientQuery(DEMO_PATIENT)}`)).json()) as Bundle<Patient>;
    const risks = (await (await fetch(`${stack.fhirUrl}/RiskAssessment?subject=Patient/${patients.entry![0].resource!.id}`)).json()) as Bundle<RiskAssessment>;
    expect(risks.entry?.length).toBe(1);
    expect(risks.entry![0].resource!.prediction!.length % 3).toBe(0); // MMSE, CDR-SB, ADAS13 per horizon
    expect(risks.entry![0].resource!.prediction!.length).toBeGreaterThan(0);
  });

  it('uploads a phantom session straight to storage and follows it to completed', async () => {
    screenshotOnFailure('upload');
    await page.goto(`${stack.url}/#/upload?patient=${DEMO_PATIENT}&session=${SESSION}`);
    // The MRI is dropped onto its zone (a real DataTransfer in the page), the PET chosen with the file input.
    const dropped = await page.evaluateHandle(makeDataTransfer, { name: 'mri.nii.gz', base64: (await readFile(phantom.mri)).toString('base64') });
    await page.getByTestId('dropzone-mri').dispatchEvent('drop', { dataTransfer: dropped });
    await page.getByTestId('dropzone-mri').getByText(/^mri\.nii\.gz · /).waitFor();
    await page.getByLabel(/^PET/).setInputFiles(phantom.pet);
    await page.getByRole('button', { name: 'Upload and preprocess' }).click();
    const status = page.getByTestId('upload-status');
    // The real pipeline runs here (1-2 min on 2 cores; more when they are shared).
    await status.getByText('Completed').waitFor({ timeout: 420_000 });
    const bars = await page.locator('progress').evaluateAll((all: any[]) => all.map((p) => p.value as number));
    expect(bars).toEqual([1, 1]);
  });

  it('shows the session in the viewer and the canvas draws the brain', async () => {
    screenshotOnFailure('viewer');
    await page.getByRole('link', { name: 'View images' }).click();
    const canvas = page.getByTestId('niivue-canvas');
    await page.locator('[data-testid="niivue-canvas"][data-loaded="true"]').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    // What the compositor shows (a WebGL canvas cannot be read back once presented): count non-black pixels.
    const png = await canvas.screenshot();
    const lit = await page.evaluate(litFraction, png.toString('base64'));
    expect(lit).toBeGreaterThan(0.02);
    // The pointer over the image names the atlas region when the pipeline produced an atlas.
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 6, box.y + box.height / 4);
    const readout = await page.getByTestId('hover-readout').textContent();
    const hasAtlas = await page.getByRole('checkbox', { name: /^Atlas/ }).isEnabled();
    if (hasAtlas) expect(readout).toMatch(/^(Region: .+|Outside the image\.)$/);
    else expect(readout).toBeTruthy();
  });

  it.each([
    [768, 1024],
    [1280, 800],
  ])('fits a %ipx-wide screen without sideways scrolling', async (width, height) => {
    screenshotOnFailure(`width-${width}`);
    await page.setViewportSize({ width, height });
    for (const route of [`#/`, `#/patients/${DEMO_PATIENT}`, `#/upload`]) {
      await page.goto(`${stack.url}/${route}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(new Function('return document.documentElement.scrollWidth - window.innerWidth') as () => number);
      expect(overflow, `${route} at ${width}px`).toBeLessThanOrEqual(0);
    }
  });
});

/** Runs in the page (DOM types are not in this Node project): the share of pixels of a PNG that are not black. */
const litFraction = new Function(
  'base64',
  `return (async () => {
    const image = new Image();
    image.src = 'data:image/png;base64,' + base64;
    await image.decode();
    const c = document.createElement('canvas');
    c.width = image.width;
    c.height = image.height;
    const g = c.getContext('2d');
    g.drawImage(image, 0, 0);
    const { data } = g.getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 30) n++;
    return n / (data.length / 4);
  })()`,
) as (base64: string) => Promise<number>;

/** Runs in the page: a DataTransfer holding one file, as a drag from the desktop would carry. */
const makeDataTransfer = new Function(
  'file',
  `const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], file.name, { type: 'application/gzip' }));
  return transfer;`,
) as (file: { name: string; base64: string }) => unknown;

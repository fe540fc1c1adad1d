import type { Command } from 'commander';
import { z } from 'zod';

const REFERENCES = ['wholeCerebellum', 'cerebellarGray', 'pons'] as const;
const TRACERS = ['pib', 'florbetapir', 'florbetaben', 'flutemetamol', 'nav4694'] as const;

const PreprocessOptionsSchema = z.object({
  mri: z.string({ error: '--mri is required' }).min(1, '--mri is required'),
  pet: z.string({ error: '--pet is required' }).min(1, '--pet is required'),
  out: z.string({ error: '--out is required' }).min(1, '--out is required'),
  templateDir: z.string().min(1, '--template-dir must name a folder').optional(),
  reference: z.enum(REFERENCES, { error: `--reference must be one of ${REFERENCES.join(', ')}` }).default('wholeCerebellum'),
  tracer: z.enum(TRACERS, { error: `--tracer must be one of ${TRACERS.join(', ')}` }).optional(),
  json: z.boolean().optional(),
});

/** Parsed `adni preprocess` options. */
export type PreprocessCliOptions = z.infer<typeof PreprocessOptionsSchema>;

/**
 * Validates raw commander options; throws one readable line listing what was wrong.
 *
 * @example
 * parsePreprocessOptions({ mri: 't1.nii.gz', pet: 'pet.nii.gz', out: 'out' }).reference // 'wholeCerebellum'
 */
export function parsePreprocessOptions(raw: Record<string, unknown>): PreprocessCliOptions {
  const parsed = PreprocessOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

/**
 * `adni preprocess --mri T1 --pet PET --out DIR [--template-dir DIR] [--reference R] [--tracer T] [--json]`:
 * the whole preprocessing pipeline on one session. Without a template folder (option or
 * ADNI_TEMPLATE_DIR) the synthetic phantom bundle is generated into the data dir and used.
 *
 * @example
 * npx adni preprocess --mri t1.nii.gz --pet pet.nii.gz --out out/ --template-dir ../shared/data/bundles/mni152-aal3-2mm --json
 */
export function register(program: Command): void {
  program
    .command('preprocess')
    .description('N4, brain extraction, PET→T1, SUVR, atlas ROI features and QC for one T1 + PET (outputs on the T1 grid)')
    .requiredOption('--mri <file>', 'T1-weighted MRI (.nii/.nii.gz, 3-D)')
    .requiredOption('--pet <file>', 'PET (.nii/.nii.gz, 3-D or 4-D)')
    .requiredOption('--out <dir>', 'output folder (new or empty)')
    .option('--template-dir <dir>', 'template bundle folder with template.json (default: ADNI_TEMPLATE_DIR, else the phantom bundle)')
    .option('--reference <region>', `SUVR reference region: ${REFERENCES.join(' | ')}`, 'wholeCerebellum')
    .option('--tracer <name>', `amyloid tracer for Centiloid: ${TRACERS.join(' | ')}`)
    .option('--json', 'print one JSON summary on stdout')
    .action(run);
}

/** The command's action: validate options, resolve the template, run the pipeline, report. */
async function run(raw: Record<string, unknown>): Promise<void> {
  const options = parsePreprocessOptions(raw);
  const [{ preprocess }, { resolveTemplateDir }, { localDataLayout }] = await Promise.all([
    import('../../../shared/pipeline/preprocess.js'),
    import('../../../shared/pipeline/steps/default-template.js'),
    import('../../../providers/local/data-dir.js'),
  ]);
  const template = await resolveTemplateDir({ templateDir: options.templateDir, dataDir: localDataLayout().dataDir });
  const result = await preprocess({
    mriPath: options.mri,
    petPath: options.pet,
    outDir: options.out,
    templateDir: template.dir,
    reference: options.reference,
    tracer: options.tracer,
    onStep: options.json ? undefined : (s) => process.stderr.write(`adni preprocess: ${s}\n`),
  });
  if (options.json) {
    const summary = { ok: true, outDir: result.outDir, template: { dir: template.dir, source: template.source }, outputs: result.outputs, timingsMs: result.timingsMs, qc: result.qc, global: result.features.global };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    console.log(`wrote ${Object.keys(result.outputs).length} outputs to ${result.outDir} in ${(result.timingsMs.total / 1000).toFixed(1)} s`);
  }
}

/** The job reconciler's function name in the Function App (serverless.yml declares it with a `timer` event). */
export const RECONCILE_FUNCTION_NAME = 'reconcileJobs';
/** App setting holding its NCRONTAB schedule (the ARM template sets it from serverless.yml). */
export const RECONCILE_SCHEDULE_SETTING = 'ADNI_RECONCILE_SCHEDULE';
/** Every 5 minutes, at second 0 (NCRONTAB: second minute hour day month day-of-week). */
export const RECONCILE_SCHEDULE_DEFAULT = '0 */5 * * * *';

/**
 * The timer functions the Function App registers, each with the app setting its schedule comes from. Kept apart
 * from the handlers (like routes.ts) so the packaging plugin can check serverless.yml against it without loading them.
 *
 * @example
 * app.timer(RECONCILE_FUNCTION_NAME, { schedule: process.env[AZURE_TIMERS[RECONCILE_FUNCTION_NAME]] || RECONCILE_SCHEDULE_DEFAULT, handler });
 */
export const AZURE_TIMERS: Readonly<Record<string, string>> = { [RECONCILE_FUNCTION_NAME]: RECONCILE_SCHEDULE_SETTING };

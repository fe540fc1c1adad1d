/**
 * NIfTI input/output for the pipeline: validated reads with typed errors, atomic writes.
 *
 * @example
 * import { readNifti, writeNifti, PipelineInputError } from '../io/index.js';
 */
export { PipelineInputError, isPipelineInputError, INPUT_ERROR_CODES, type InputErrorCode } from './errors.js';
export { readNifti, type ReadNiftiOptions, type NiftiReadResult, type NiftiInfo } from './read-nifti.js';
export { writeNifti, type WriteNiftiOptions } from './write-nifti.js';
export { scanNifti, assertNotEmpty, type NiftiScan, type ScanNiftiOptions } from './scan-nifti.js';
export { parseNiftiHeader, type NiftiHeader, NIFTI_DATATYPES } from './nifti-header.js';
export { validateHeader, NIFTI_LIMITS, type ExpectedImage, type HeaderShape } from './validate-header.js';
export { resolveOrientation, affineToItkGeometry, itkGeometryToAffine, qformAffine, type Affine3x4, type OrientationInfo, type SpatialGeometry } from './orientation.js';
export { encodeNifti1, type EncodeNiftiOptions } from './encode-nifti.js';

// Errors raised while reading, checking and converting ONNX models and weight files. Each names the file (or the
// node) it is about, so a user holding several models never has to guess which one is broken.

import { GraftError } from '../gpu/errors.ts';

/** A file that is not what it claims to be: truncated, corrupt, missing data, or not an ONNX model at all. */
export class OnnxFormatError extends GraftError {}

/** A well-formed model that uses an operator, attribute value or data type graft does not run. */
export class UnsupportedOnnxError extends GraftError {}

/** Shapes that do not fit: an input that differs from the declared one, or operands an operator cannot combine. */
export class OnnxShapeError extends GraftError {}

/** A weights file (safetensors) that is unreadable, or a model that is not the network a converter expects. */
export class WeightsError extends GraftError {}

// Errors raised while importing a Keras model saved in the TensorFlow.js layers format. Each names the file,
// layer or weight concerned, so a user can tell a malformed file from a layer graft does not support yet.

import { GraftError } from '../gpu/errors.ts';

/** The model.json or its weight shards are malformed or inconsistent (missing weight, short shard, bad JSON). */
export class KerasFormatError extends GraftError {}

/** A layer class, or a setting of a supported layer, that graft does not implement; names layer and setting. */
export class UnsupportedKerasError extends GraftError {}

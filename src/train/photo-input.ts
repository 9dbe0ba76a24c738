// One photo as the input a trained network expects: resized to S x S on the GPU (bilinear, as the image cache
// resizes every training photo, so a photo at inference meets the network as the training photos did) and
// preprocessed for the backbone's weights (colour order, scale, mean, std). The CAM command and `onnx run
// --image` (photos through an exported model) both use it.

import type { Gpu } from '../gpu/device.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { uploadImagesU8, type Preprocess } from '../kernels/image.ts';
import { preprocessBatch } from './augment.ts';
import { resizeOnGpu } from './data/cache.ts';
import type { RgbImage } from './data/decode.ts';

/** (1, size, size, 3) f32, NHWC. */
export async function photoInput(gpu: Gpu, photo: RgbImage, size: number, preprocess: Preprocess): Promise<GpuTensor<'f32'>> {
  const pixels = await resizeOnGpu(gpu, photo.data, photo.height, photo.width, size);
  const packed = uploadImagesU8(gpu, pixels, [1, size, size, 3]);
  try {
    return preprocessBatch(gpu, packed, preprocess);
  } finally {
    packed.data.release();
  }
}

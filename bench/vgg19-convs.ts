// VGG19's distinct 3x3 convolutions (stride 1, padding 1), shared by the kernel benchmarks (bench/kernels.ts,
// bench/ab.ts).

export interface ConvShape {
  /** Input (and output) side. */
  H: number;
  Cin: number;
  Cout: number;
}

/** Input side x channels -> output channels, first layer first. */
export const VGG19_CONVS: ConvShape[] = [
  { H: 224, Cin: 3, Cout: 64 },
  { H: 224, Cin: 64, Cout: 64 },
  { H: 112, Cin: 64, Cout: 128 },
  { H: 112, Cin: 128, Cout: 128 },
  { H: 56, Cin: 128, Cout: 256 },
  { H: 56, Cin: 256, Cout: 256 },
  { H: 28, Cin: 256, Cout: 512 },
  { H: 28, Cin: 512, Cout: 512 },
  { H: 14, Cin: 512, Cout: 512 },
];

/** "224x224x3->64": what the tables print and --only matches. */
export function convLabel(s: ConvShape): string {
  return `${s.H}x${s.H}x${s.Cin}->${s.Cout}`;
}

/** Multiply-adds times two of one direction of a convolution of this shape over N images. */
export function convFlop(s: ConvShape, N: number): number {
  return 2 * N * s.H * s.H * s.Cout * 9 * s.Cin;
}

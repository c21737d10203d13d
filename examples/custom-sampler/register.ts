// Registers the log-space Heun sampler as 'log-heun', for `dale --import`:
//   pnpm dale sample --import ./examples/custom-sampler/register.ts --model mnist \
//        --sampler log-heun --steps 50 --out heun.png
import { registerSampler } from '@dale/samplers';
import { logHeunSampler } from './src/sampler.ts';

registerSampler('log-heun', logHeunSampler);

/**
 * TensorFlow.js backend selection. WebAssembly is the default (runs anywhere, offline, no
 * native build); @tensorflow/tfjs-node is an optional accelerator used only when asked for and
 * installed; the pure-JS cpu backend is used for training, whose gradients need kernels
 * (e.g. UnsortedSegmentSum) the wasm backend does not register.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'wasm' | 'cpu' | 'native';

let wasmPathsSet = false;

function wasmDistDir(): string {
  // Resolve through the package so this works from any working directory; in Node the wasm
  // loader wants a file path prefix ending with a separator, not a URL.
  const main = require.resolve('@tensorflow/tfjs-backend-wasm');
  return path.dirname(main) + path.sep;
}

/** Activates a backend and returns the name tf reports. Falls back to wasm if native fails. */
export async function initBackend(preferred: BackendName = 'wasm'): Promise<string> {
  if (preferred === 'native') {
    try {
      // Optional dependency: not installable everywhere (its binary download can fail).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-node');
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        return tf.getBackend();
      }
    } catch {
      // Not installed or not loadable: the wasm default below is the supported path.
    }
    preferred = 'wasm';
  }
  if (preferred === 'wasm') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    if (!wasmPathsSet) {
      wasm.setWasmPaths(wasmDistDir());
      wasmPathsSet = true;
    }
    if (tf.getBackend() !== 'wasm') {
      const ok = await tf.setBackend('wasm');
      if (!ok) throw new Error('could not initialise the TensorFlow.js wasm backend');
    }
    await tf.ready();
    return tf.getBackend();
  }
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
  return tf.getBackend();
}

export { tf };

/**
 * The on-disk model artifact: models/<version>/ with weights.bin, model.json, labels.json,
 * features.json, calibration.json, training.json, eval.{md,json} and manifest.json, and
 * models/LATEST naming the released version.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { INTENTS } from '../lib/taxonomy';
import type { DecisionRule } from './decision';
import { validateFeatureSettings, type FeatureSettings } from './features';
import { decodeWeights, encodeWeights, type ModelWeights } from './model';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const MODELS_DIR = path.join(REPO_ROOT, 'models');
export const LATEST_FILE = path.join(MODELS_DIR, 'LATEST');

export interface Calibration extends DecisionRule {
  temperature: number;
  /** What T and the threshold were fitted on (never the dev set). */
  fittedOn: string;
  heldOutNllBefore: number;
  heldOutNllAfter: number;
  /** ECE (15 bins) of the decided label's probability on the same rows, before and after T. */
  heldOutEceBefore?: number;
  heldOutEceAfter?: number;
}

export interface Manifest {
  name: 'pcc-intent-classifier';
  version: string;
  created_at: string;
  labels: readonly string[];
  architecture: string;
  embedding_dim: number;
  training_data_sha256: string;
  files: Record<string, { bytes: number; sha256: string }>;
  total_bytes: number;
}

export interface Artifact {
  dir: string;
  weights: ModelWeights;
  settings: FeatureSettings;
  calibration: Calibration;
  manifest: Manifest;
}

/** The model directory to load: an explicit one, else models/<contents of models/LATEST>. */
export function resolveModelDir(dir?: string): string {
  if (dir) return path.resolve(dir);
  if (!fs.existsSync(LATEST_FILE)) throw new Error(`no released model: ${LATEST_FILE} is missing (run \`make train\`)`);
  const version = fs.readFileSync(LATEST_FILE, 'utf8').trim();
  return path.join(MODELS_DIR, version);
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export function readArtifact(dir: string): Artifact {
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) throw new Error(`not a model directory (no manifest.json): ${dir}`);
  const manifest = readJson<Manifest>(path.join(dir, 'manifest.json'));
  const labels = readJson<string[]>(path.join(dir, 'labels.json'));
  if (labels.length !== INTENTS.length || labels.some((l, i) => l !== INTENTS[i])) {
    throw new Error(`model labels ${JSON.stringify(labels)} do not match lib/taxonomy INTENTS`);
  }
  const settings = validateFeatureSettings(readJson<FeatureSettings>(path.join(dir, 'features.json')));
  const calibration = readJson<Calibration>(path.join(dir, 'calibration.json'));
  if (!(calibration.temperature > 0)) throw new Error(`invalid temperature in ${dir}/calibration.json`);
  const weights = decodeWeights(fs.readFileSync(path.join(dir, 'weights.bin')));
  if (weights.shape.buckets !== settings.buckets) throw new Error('weights and features.json disagree on the bucket count');
  return { dir, weights, settings, calibration, manifest };
}

const sha256 = (buf: Buffer | string): string => createHash('sha256').update(buf).digest('hex');

export interface WriteArtifactInput {
  dir: string;
  version: string;
  weights: ModelWeights;
  settings: FeatureSettings;
  calibration: Calibration;
  training: Record<string, unknown>;
  trainingDataSha256: string;
}

/** Writes every artifact file except the eval report, then the manifest over all of them. */
export function writeArtifact(input: WriteArtifactInput): Manifest {
  fs.mkdirSync(input.dir, { recursive: true });
  const files: Record<string, Buffer> = {
    'weights.bin': encodeWeights(input.weights),
    'model.json': Buffer.from(
      JSON.stringify(
        {
          format: 'pcc-weights-v1',
          shape: input.weights.shape,
          layers: [
            { name: 'embedding_bag', kind: 'hashed-ngram sum / sqrt(n)', rows: input.weights.shape.buckets, dim: input.weights.shape.bagDim, storage: 'int8 per-row absmax' },
            { name: 'embedding', kind: 'dense', activation: 'relu', units: input.weights.shape.embeddingDim },
            { name: 'logits', kind: 'dense', activation: 'linear', units: input.weights.shape.numLabels },
          ],
        },
        null,
        2,
      ) + '\n',
    ),
    'labels.json': Buffer.from(JSON.stringify(INTENTS, null, 2) + '\n'),
    'features.json': Buffer.from(JSON.stringify(input.settings, null, 2) + '\n'),
    'calibration.json': Buffer.from(JSON.stringify(input.calibration, null, 2) + '\n'),
    'training.json': Buffer.from(JSON.stringify(input.training, null, 2) + '\n'),
  };
  for (const [name, buf] of Object.entries(files)) fs.writeFileSync(path.join(input.dir, name), buf);
  return writeManifest(input.dir, input.version, input.weights.shape.embeddingDim, input.trainingDataSha256);
}

/** (Re)writes manifest.json over the files currently in the directory. */
export function writeManifest(dir: string, version: string, embeddingDim: number, trainingDataSha256: string, createdAt?: string): Manifest {
  const entries: Manifest['files'] = {};
  let total = 0;
  for (const name of fs.readdirSync(dir).sort()) {
    if (name === 'manifest.json') continue;
    const buf = fs.readFileSync(path.join(dir, name));
    entries[name] = { bytes: buf.length, sha256: sha256(buf) };
    total += buf.length;
  }
  const manifest: Manifest = {
    name: 'pcc-intent-classifier',
    version,
    created_at: createdAt ?? new Date().toISOString(),
    labels: INTENTS,
    architecture: 'hashed word 1-2gram + char 3-5gram embedding bag -> dense relu (embedding) -> dense softmax / T',
    embedding_dim: embeddingDim,
    training_data_sha256: trainingDataSha256,
    files: entries,
    total_bytes: total,
  };
  const text = JSON.stringify(manifest, null, 2) + '\n';
  manifest.total_bytes += Buffer.byteLength(text);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

export function setLatest(version: string): void {
  fs.mkdirSync(MODELS_DIR, { recursive: true });
  fs.writeFileSync(LATEST_FILE, version + '\n');
}

// Reference driver for `./kcm bench onnx`: runs a model with onnxruntime-node (the same native ONNX Runtime build the
// C# binding loads) and times session.run for the batches the C# side asks for, one JSON request per stdin line.
//
//   node onnx_worker.mjs --model m.onnx --intra 1 --inter 1
//   stdin:  {"batch":32,"iterations":100}
//   stdout: {"batch":32,"iterations":100,"seconds":0.123,"checksum":12.5}
//
// Inputs are filled with the same formula as the C# benchmark, so the checksums (sum of the last output) must agree.
import readline from 'node:readline';
import ort from 'onnxruntime-node';

function argument(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const modelPath = argument('model');
if (!modelPath) {
  console.error('usage: node onnx_worker.mjs --model <file.onnx> [--intra N] [--inter N]');
  process.exit(2);
}

const session = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads: Number(argument('intra', '1')),
  interOpNumThreads: Number(argument('inter', '1')),
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  executionProviders: ['cpu'],
});

const inputName = session.inputNames[0];
const outputName = session.outputNames[0];
const sampleShape = argument('sample-shape', '1,28,28').split(',').map(Number);
const sampleLength = sampleShape.reduce((a, b) => a * b, 1);

function makeInput(batch) {
  const data = new Float32Array(batch * sampleLength);
  for (let i = 0; i < data.length; i++) {
    data[i] = ((i * 97) % 256) / 255;
  }
  return new ort.Tensor('float32', data, [batch, ...sampleShape]);
}

const inputs = new Map();
console.log(JSON.stringify({ ready: true, input: inputName, output: outputName }));

const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const { batch, iterations } = JSON.parse(line);
  if (!inputs.has(batch)) inputs.set(batch, makeInput(batch));
  const feeds = { [inputName]: inputs.get(batch) };
  let result;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    result = await session.run(feeds);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const output = result[outputName].data;
  let checksum = 0;
  for (let i = 0; i < output.length; i++) checksum += output[i];
  console.log(JSON.stringify({ batch, iterations, seconds, checksum }));
}

// Counts the WebGPU traffic of whatever runs after it in the same global scope (a page or a
// worker): compute dispatches, buffer uploads (queue.writeBuffer and buffers created
// mappedAtCreation), read-backs (buffer.mapAsync), queue submits and pipelines compiled.
// node bench/browser.mjs runs this file before ganvas's worker script and before the peers'
// page, then reads `self.gpuCounts` before and after one call: the difference is that call's
// traffic. A plain script (no exports) so that it can be prepended to a module or injected as is.
(() => {
  if (self.gpuCounts || typeof GPUDevice === 'undefined') return;
  const counts = { dispatches: 0, uploads: 0, uploadBytes: 0, readbacks: 0, submits: 0, pipelines: 0 };
  self.gpuCounts = counts;
  const wrap = (proto, name, count) => {
    const original = proto[name];
    if (typeof original !== 'function') return;
    proto[name] = function counted(...args) {
      count(args);
      return original.apply(this, args);
    };
  };
  wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroups', () => { counts.dispatches += 1; });
  wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroupsIndirect', () => { counts.dispatches += 1; });
  wrap(GPUQueue.prototype, 'writeBuffer', ([, , data, , size]) => {
    counts.uploads += 1;
    counts.uploadBytes += size ?? data?.byteLength ?? 0;
  });
  wrap(GPUQueue.prototype, 'submit', () => { counts.submits += 1; });
  wrap(GPUBuffer.prototype, 'mapAsync', () => { counts.readbacks += 1; });
  wrap(GPUDevice.prototype, 'createBuffer', ([descriptor]) => {
    if (descriptor?.mappedAtCreation) {
      counts.uploads += 1;
      counts.uploadBytes += descriptor.size ?? 0;
    }
  });
  wrap(GPUDevice.prototype, 'createComputePipeline', () => { counts.pipelines += 1; });
  wrap(GPUDevice.prototype, 'createComputePipelineAsync', () => { counts.pipelines += 1; });
})();

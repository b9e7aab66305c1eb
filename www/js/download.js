// Saving results to the user's disk (nothing is uploaded anywhere).

/** Saves `blob` under `name` through a temporary link. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function saveBytes(bytes, name, type = 'application/octet-stream') {
  saveBlob(new Blob([bytes], { type }), name);
}

export function saveCanvasPng(canvas, name) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (!blob) return reject(new Error('the canvas could not be encoded as PNG'));
      saveBlob(blob, name);
      resolve();
    }, 'image/png');
  });
}

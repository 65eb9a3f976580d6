// Sample page: pick photos or videos with wx.chooseMedia and upload each one
// straight to OSS with ossdirect.uploadFile, showing per-file progress, the
// result (object key, and the callback function's answer) or a readable
// error. Files over the helper's multipartThreshold (20 MiB: most videos) go
// up in parts and can be paused and resumed.
const ossdirect = require('../../ossdirect.js');
const config = require('../../config.js');

let nextId = 1;

function sizeLabel(bytes) {
  if (typeof bytes !== 'number') return '';
  if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + ' MB';
  if (bytes >= 1024) return Math.round(bytes / 1024) + ' KB';
  return bytes + ' B';
}

Page({
  data: {
    items: [] // {id, path, thumb, video, name, size, sizeBytes, multipart, progress, status, key, url, info, error, code, requestId}
  },

  onLoad() {
    this.tasks = {}; // id → ossdirect task, while uploading
  },

  onUnload() {
    // Leaving the page cancels what is still running.
    Object.keys(this.tasks).forEach((id) => this.tasks[id].abort());
  },

  choose() {
    wx.chooseMedia({
      count: config.maxFiles,
      mediaType: ['image', 'video'],
      sourceType: ['album', 'camera'],
      sizeType: ['compressed'], // images only; videos come as recorded
      success: (res) => {
        res.tempFiles.forEach((f) => this.start(f.tempFilePath, f.size, f.fileType === 'video' ? f.thumbTempFilePath || '' : f.tempFilePath));
      },
      fail: (err) => {
        if (!/cancel/.test(err.errMsg || '')) {
          wx.showToast({ title: 'Could not pick files', icon: 'none' });
        }
      }
    });
  },

  start(path, sizeBytes, thumb) {
    const id = nextId++;
    const item = {
      id: id,
      path: path,
      thumb: thumb,
      video: thumb !== path,
      name: path.split('/').pop(),
      size: sizeLabel(sizeBytes),
      sizeBytes: sizeBytes,
      multipart: false,
      progress: 0,
      status: 'uploading',
      key: '', url: '', info: '', error: '', code: '', requestId: ''
    };
    this.setData({ ['items[' + this.data.items.length + ']']: item });

    let shown = -1;
    const task = ossdirect.uploadFile(path, {
      api: config.apiBase,
      profile: config.profile,
      token: config.getToken, // called before every attempt, so a refreshed token is picked up
      size: sizeBytes, // chooseMedia already knows it; saves a getFileInfo call
      onProgress: (p) => {
        // A multipart upload moves one part at a time, its retries included.
        const status = p.mode === 'multipart' && this.find(id).status === 'retrying' ? { status: 'uploading' } : {};
        if (p.progress !== shown || status.status) { // setData is costly: only when something changes
          shown = p.progress;
          this.patch(id, Object.assign({ progress: p.progress }, status));
        }
      },
      onRetry: () => {
        // A POST upload starts over; a multipart one resends one part.
        if (task.mode === 'multipart') {
          this.patch(id, { status: 'retrying' });
        } else {
          shown = -1;
          this.patch(id, { status: 'retrying', progress: 0 });
        }
      }
    });
    this.tasks[id] = task;
    this.patch(id, { multipart: task.mode === 'multipart' }); // known now: the size was given

    task.promise.then((res) => {
      const cb = res.callback;
      let info = '';
      if (cb && typeof cb === 'object') {
        info = cb.width && cb.height ? cb.width + '×' + cb.height + ' ' + (cb.mimeType || '') : (cb.mimeType || '');
      }
      this.patch(id, { status: 'done', progress: 100, key: res.key, url: res.url, info: info });
    }, (err) => {
      this.patch(id, {
        status: err.code === 'Aborted' ? 'cancelled' : 'failed',
        error: err.hint || err.message,
        code: err.code || '',
        requestId: err.requestId || ''
      });
    }).then(() => {
      delete this.tasks[id];
    });
  },

  cancel(e) {
    const task = this.tasks[e.currentTarget.dataset.id];
    if (task) task.abort(); // a multipart upload is aborted on OSS too
  },

  pause(e) {
    const id = e.currentTarget.dataset.id;
    const task = this.tasks[id];
    if (task && task.pause()) this.patch(id, { status: 'paused' });
  },

  resume(e) {
    const id = e.currentTarget.dataset.id;
    const task = this.tasks[id];
    if (task && task.resume()) this.patch(id, { status: 'uploading' });
  },

  // retry uploads the file again; a multipart upload that failed resumes
  // where it stopped (the helper kept its parts on OSS).
  retry(e) {
    const item = this.find(e.currentTarget.dataset.id);
    if (item) this.start(item.path, item.sizeBytes, item.thumb);
  },

  copyKey(e) {
    wx.setClipboardData({ data: e.currentTarget.dataset.key });
  },

  preview(e) {
    const d = e.currentTarget.dataset;
    if (d.video) wx.previewMedia({ sources: [{ url: d.path, type: 'video' }] });
    else wx.previewImage({ urls: [d.path] });
  },

  find(id) {
    for (let i = 0; i < this.data.items.length; i++) {
      if (this.data.items[i].id === id) return this.data.items[i];
    }
    return null;
  },

  // patch updates one item's fields with path-style setData keys.
  patch(id, fields) {
    const i = this.data.items.indexOf(this.find(id));
    if (i < 0) return;
    const update = {};
    Object.keys(fields).forEach((k) => {
      update['items[' + i + '].' + k] = fields[k];
    });
    this.setData(update);
  }
});

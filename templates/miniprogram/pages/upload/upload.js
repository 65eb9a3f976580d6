// Sample page: pick images with wx.chooseMedia and upload each one straight
// to OSS with ossdirect.uploadFile, showing per-file progress, the result
// (object key, and the callback function's answer) or a readable error.
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
    items: [] // {id, path, name, size, sizeBytes, progress, status, key, url, info, error, code, requestId}
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
      mediaType: ['image'],
      sourceType: ['album', 'camera'],
      sizeType: ['compressed'],
      success: (res) => {
        res.tempFiles.forEach((f) => this.start(f.tempFilePath, f.size));
      },
      fail: (err) => {
        if (!/cancel/.test(err.errMsg || '')) {
          wx.showToast({ title: 'Could not pick images', icon: 'none' });
        }
      }
    });
  },

  start(path, sizeBytes) {
    const id = nextId++;
    const item = {
      id: id,
      path: path,
      name: path.split('/').pop(),
      size: sizeLabel(sizeBytes),
      sizeBytes: sizeBytes,
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
        if (p.progress !== shown) { // setData is costly: only when the number changes
          shown = p.progress;
          this.patch(id, { progress: p.progress });
        }
      },
      onRetry: () => {
        shown = -1;
        this.patch(id, { status: 'retrying', progress: 0 });
      }
    });
    this.tasks[id] = task;

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
    if (task) task.abort();
  },

  retry(e) {
    const item = this.find(e.currentTarget.dataset.id);
    if (item) this.start(item.path, item.sizeBytes);
  },

  copyKey(e) {
    wx.setClipboardData({ data: e.currentTarget.dataset.key });
  },

  preview(e) {
    wx.previewImage({ urls: [e.currentTarget.dataset.path] });
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

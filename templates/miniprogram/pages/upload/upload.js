// Sample page: pick photos or videos with wx.chooseMedia and upload each one
// straight to OSS with ossdirect.uploadFile, showing per-file progress, the
// result (object key, and the callback function's answer) or a readable
// error. Files over the helper's multipartThreshold (20 MiB: most videos) go
// up in parts and can be paused and resumed. The page speaks the helper's
// language: config.lang, else the phone's (zh-CN or en).
const ossdirect = require('../../ossdirect.js');
const config = require('../../config.js');

let nextId = 1;

// The page's own words; the helper's error hints come in the same language.
// `retry` is what a retrying upload shows, by the kind of the failure.
const TEXT = {
  en: {
    title: 'Upload to OSS',
    heading: 'Upload photos and videos to OSS',
    intro: 'Each file goes straight to the bucket, signed by your server, which never sees the bytes. Big files go up in parts: pause and resume them.',
    choose: 'Choose photos or videos',
    empty: 'No uploads yet.',
    pickFailed: 'Could not pick files',
    paused: 'Paused · ',
    inParts: ' · in parts',
    pause: 'Pause',
    resume: 'Resume',
    cancel: 'Cancel',
    uploaded: 'Uploaded',
    copyKey: 'Copy key',
    cancelled: 'Cancelled',
    failed: 'Failed',
    again: 'Upload again',
    retry: {
      expired: 'Upload link expired, getting a new one…',
      network: 'Connection lost, retrying…',
      server: 'Service busy, retrying…',
      rate: 'Too many uploads, retrying shortly…',
      other: 'Retrying…'
    }
  },
  'zh-CN': {
    title: '上传到 OSS',
    heading: '上传照片和视频到 OSS',
    intro: '文件直接上传到存储桶，由你的服务器签名，服务器不经手文件内容。大文件分片上传，可以暂停和继续。',
    choose: '选择照片或视频',
    empty: '还没有上传任何文件。',
    pickFailed: '无法选择文件',
    paused: '已暂停 · ',
    inParts: ' · 分片上传',
    pause: '暂停',
    resume: '继续',
    cancel: '取消',
    uploaded: '上传成功',
    copyKey: '复制 key',
    cancelled: '已取消',
    failed: '上传失败',
    again: '重新上传',
    retry: {
      expired: '上传链接已过期，正在重新获取…',
      network: '网络连接已断开，正在重试…',
      server: '上传服务繁忙，正在重试…',
      rate: '上传太频繁，稍后自动重试…',
      other: '正在重试…'
    }
  }
};

function sizeLabel(bytes) {
  if (typeof bytes !== 'number') return '';
  if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + ' MB';
  if (bytes >= 1024) return Math.round(bytes / 1024) + ' KB';
  return bytes + ' B';
}

Page({
  data: {
    t: TEXT.en, // the page's words, in this.lang
    items: [] // {id, path, thumb, video, name, size, sizeBytes, multipart, progress, status, note, key, url, info, error, code, requestId}
  },

  onLoad() {
    this.tasks = {}; // id → ossdirect task, while uploading
    this.lang = ossdirect.language(config.lang); // 'zh-CN' or 'en'
    this.setData({ t: TEXT[this.lang] });
    wx.setNavigationBarTitle({ title: TEXT[this.lang].title });
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
          wx.showToast({ title: this.data.t.pickFailed, icon: 'none' });
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
      note: '',
      key: '', url: '', info: '', error: '', code: '', requestId: ''
    };
    this.setData({ ['items[' + this.data.items.length + ']']: item });

    let shown = -1;
    const task = ossdirect.uploadFile(path, {
      api: config.apiBase,
      profile: config.profile,
      lang: this.lang, // err.hint and err.message in the page's language
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
      onRetry: (err) => {
        // A POST upload starts over; a multipart one resends one part.
        const retry = this.data.t.retry;
        const fields = { status: 'retrying', note: retry[err.kind] || retry.other };
        if (task.mode !== 'multipart') {
          shown = -1;
          fields.progress = 0;
        }
        this.patch(id, fields);
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

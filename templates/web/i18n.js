// The upload page's words in English and Simplified Chinese. DOM-free: a
// catalog, the choice of language, and t(key, params). The page
// (upload.js) applies them to index.html's data-i18n elements and to
// every message it shows.
//
//   pickLanguage(navigator.languages, saved)  'en' or 'zh-CN' (zh* → zh-CN)
//   setLanguage('zh-CN'); t('uploaded')        '已上传。'
//   t('tooLarge', {size: '2 MiB', max: '1 MiB'})
//
// An entry is [English, Chinese]: a string, or a function of the params
// (sizes, names and server messages come in already formatted; what the
// server said is shown as it said it).

export const LANGUAGES = { en: 'English', 'zh-CN': '简体中文' };

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

const M = {
  // index.html
  pageTitle: ['Upload to OSS — ossdirect', '上传到 OSS — ossdirect'],
  heading: ['Upload to OSS', '上传到 OSS'],
  lede: ['Files go straight from this browser to the bucket; the server only signs.', '文件从浏览器直接上传到存储桶，服务器只负责签名。'],
  uppyLink: ['Uppy example', 'Uppy 示例'],
  language: ['Language', '语言'],
  modeLegend: ['Upload mode', '上传方式'],
  modePost: ['POST policy', 'POST 表单（Policy）'],
  modePostHint: ['one form upload; OSS enforces size, type and key', '一次表单上传；OSS 校验大小、类型和对象名'],
  modePut: ['Presigned PUT', '预签名 PUT'],
  modePutHint: ['one PUT with exactly the signed headers', '一次 PUT，带上签名的请求头'],
  modeSts: ['STS multipart', 'STS 分片上传'],
  modeStsHint: ['ali-oss, parallel parts, pause and resume', 'ali-oss，并行分片，可暂停和继续'],
  modeMultipart: ['Multipart (no SDK)', '分片上传（无 SDK）'],
  modeMultipartHint: ['parts signed by the server, plain XHR; pause and resume', '服务器签名每个分片，纯 XHR；可暂停和继续'],
  dropHere: ['Drop files here', '拖放文件到这里'],
  or: ['or', '或'],
  chooseFiles: ['choose files', '选择文件'],
  pasteHint: ['You can also paste files or images.', '也可以直接粘贴文件或图片。'],
  cancelAll: ['Cancel all', '全部取消'],
  clearFinished: ['Clear finished', '清除已结束'],
  queueLabel: ['Upload queue', '上传队列'],
  callbackResult: ['Callback result', '回调结果'],
  object: ['Object', '对象'],
  objectPrivate: ['Object (private bucket: link needs a signed URL)', '对象（私有存储桶：链接需要签名 URL）'],
  footerApi: ['Signing API:', '签名 API：'],
  footerProfile: ['profile', '配置'],
  footerResume: [
    'Interrupted multipart uploads can be resumed from this page (even after a reload: add the same file again); give the bucket a lifecycle rule that aborts incomplete multipart uploads after a few days.',
    '中断的分片上传可以在本页继续（刷新后也可以：再次添加同一个文件）；请为存储桶设置生命周期规则，几天后清理未完成的分片上传。',
  ],
  earlierTitle: ['Continue earlier uploads', '继续之前的上传'],
  earlierHint: ['These uploads were interrupted. Pick the same file again to continue.', '这些上传被中断了。再次选择同一个文件即可继续。'],
  earlierPick: [(p) => `Pick ${p.name} again`, (p) => `重新选择 ${p.name}`],
  earlierForget: [(p) => `Forget ${p.name}`, (p) => `忽略 ${p.name}`],
  earlierItem: [(p) => `${p.name} · ${p.size} · ${p.mode} · ${p.pct} % on the server`, (p) => `${p.name} · ${p.size} · ${p.mode} · 服务器上已有 ${p.pct} %`],
  earlierWrongFile: [(p) => `That is not ${p.name} (name, size and date must match); it was added as a new upload.`, (p) => `这不是 ${p.name}（名称、大小和修改时间须一致），已作为新的上传添加。`],

  // the Events panel (events.js, local stack only)
  eventsTitle: ['Events', '事件'],
  eventsReceiver: ['Upload events as the local stack\'s webhook receiver got them (Standard Webhooks signature checked):', '本地栈的 webhook 接收器收到的上传事件（已校验 Standard Webhooks 签名）：'],
  eventsListLabel: ['Webhook deliveries, newest first', 'Webhook 投递，最新的在前'],
  eventsNone: ['No events yet: upload a file.', '还没有事件：上传一个文件试试。'],
  eventsForwarded: ['Events go to your own receiver; none are listed here.', '事件发送到你自己的接收器，这里不列出。'],
  eventsLive: ['live', '实时'],
  eventsDisconnected: ['disconnected', '已断开'],
  eventsReconnecting: ['reconnecting…', '正在重连…'],
  deliveries: [(p) => plural(p.n, 'delivery', 'deliveries'), (p) => `${p.n} 次投递`],
  nVerified: [(p) => `${p.n} verified`, (p) => `${p.n} 次已验证`],
  nRefused: [(p) => `${p.n} refused`, (p) => `${p.n} 次被拒绝`],
  nDuplicates: [(p) => plural(p.n, 'duplicate', 'duplicates'), (p) => `${p.n} 次重复`],
  notAnEvent: ['not an event', '不是事件'],
  noWebhookId: ['(no webhook-id)', '（无 webhook-id）'],
  duplicateId: ['duplicate webhook-id', '重复的 webhook-id'],
  via: [(p) => `via ${p.source}`, (p) => `来自 ${p.source}`],
  kept: ['kept', '保留'],
  verified: ['signature verified ✓', '签名已验证 ✓'],
  verifiedRefused: [(p) => `signature verified ✓ — refused: ${p.why}`, (p) => `签名已验证 ✓ — 已拒绝：${p.why}`],
  notVerified: [(p) => `signature not verified ✗ — ${p.why}`, (p) => `签名未通过验证 ✗ — ${p.why}`],
  unknownReason: ['unknown reason', '原因未知'],

  // buttons and labels per file
  pause: ['Pause', '暂停'],
  resume: ['Resume', '继续'],
  retry: ['Retry', '重试'],
  cancel: ['Cancel', '取消'],
  remove: ['Remove', '移除'],
  buttonFor: [(p) => `${p.action} ${p.name}`, (p) => `${p.action} ${p.name}`],
  preview: [(p) => `Preview of ${p.name}`, (p) => `${p.name} 的预览`],
  state_queued: ['Waiting', '等待中'],
  state_signing: ['Signing', '签名中'],
  state_uploading: ['Uploading', '上传中'],
  state_processing: ['Confirming', '确认中'],
  state_retrying: ['Retrying', '重试中'],
  state_paused: ['Paused', '已暂停'],
  state_canceling: ['Canceling', '取消中'],
  state_done: ['Done', '完成'],
  state_warning: ['Stored, callback failed', '已存储，回调失败'],
  state_error: ['Failed', '失败'],
  state_canceled: ['Canceled', '已取消'],
  spoken_queued: ['queued', '排队中'],
  spoken_uploading: ['uploading', '上传中'],
  spoken_paused: ['paused', '已暂停'],
  spoken_done: ['uploaded', '已上传'],
  spoken_warning: ['stored, but the callback failed', '已存储，但回调失败'],
  spoken_error: ['failed', '失败'],
  spoken_canceled: ['canceled', '已取消'],

  // the summary and the limits
  noFiles: ['No files yet.', '还没有文件。'],
  files: [(p) => plural(p.n, 'file', 'files'), (p) => `${p.n} 个文件`],
  nDone: [(p) => `${p.n} done`, (p) => `${p.n} 个完成`],
  nFailed: [(p) => `${p.n} failed`, (p) => `${p.n} 个失败`],
  bytesOf: [(p) => `${p.loaded} of ${p.total}`, (p) => `${p.loaded} / ${p.total}`],
  left: [(p) => `${p.time} left`, (p) => `剩余 ${p.time}`],
  limitsProfile: [(p) => `Profile “${p.profile}”: ${p.bits}.`, (p) => `配置“${p.profile}”：${p.bits}。`],
  limitsJoin: ['; ', '；'],
  limitsServer: [(p) => `Profile “${p.profile}”: the server checks size and type.`, (p) => `配置“${p.profile}”：由服务器检查大小和类型。`],
  limitsRange: [(p) => `${p.min} to ${p.max} each`, (p) => `每个 ${p.min} 至 ${p.max}`],
  limitsUpTo: [(p) => `up to ${p.max} each`, (p) => `每个最大 ${p.max}`],
  limitsAtLeast: [(p) => `at least ${p.min} each`, (p) => `每个至少 ${p.min}`],
  limitsTypes: [(p) => `types: ${p.types}`, (p) => `类型：${p.types}`],
  limitsAnyType: ['any type', '任意类型'],

  // refusals before sending
  tooLarge: [(p) => `Too large: ${p.size}; this upload allows at most ${p.max}.`, (p) => `文件太大：${p.size}；此上传最多允许 ${p.max}。`],
  tooSmall: [(p) => `Too small: ${p.size}; this upload needs at least ${p.min}.`, (p) => `文件太小：${p.size}；此上传至少需要 ${p.min}。`],
  typeRefused: [(p) => `This file type is not allowed: ${p.what}.${p.allowed ? ` Allowed: ${p.allowed}.` : ''}`, (p) => `不允许此文件类型：${p.what}。${p.allowed ? `允许：${p.allowed}。` : ''}`],
  unknownType: ['unknown type', '未知类型'],

  // phases
  askingForm: ['Asking for a signed form…', '正在请求签名表单…'],
  askingUrl: ['Asking for a presigned URL…', '正在请求预签名 URL…'],
  askingCredentials: ['Asking for temporary credentials…', '正在请求临时凭证…'],
  freshCredentials: ['Fetching fresh temporary credentials…', '正在获取新的临时凭证…'],
  uploading: ['Uploading…', '上传中…'],
  uploadingRest: ['Uploading the remaining parts…', '正在上传剩余分片…'],
  sentWaiting: ['Sent; waiting for OSS to confirm…', '已发送，等待 OSS 确认…'],
  checkingParts: ['Checking which parts are already on the server…', '正在检查服务器上已有的分片…'],
  continuing: [(p) => `Continuing an earlier upload: ${p.done} of ${p.total} parts are already on the server.`, (p) => `继续之前的上传：服务器上已有 ${p.done} / ${p.total} 个分片。`],
  startingMultipart: ['Starting a multipart upload…', '正在开始分片上传…'],
  completing: ['All parts sent; completing the upload…', '所有分片已发送，正在完成上传…'],
  confirming: ['Stored, but the app server\'s callback failed; asking it to confirm the upload…', '已存储，但应用服务器回调失败；正在请求确认上传…'],
  waiting: ['Waiting…', '等待中…'],
  waitingResume: ['Waiting to resume…', '等待继续…'],
  pausing: ['Pausing…', '正在暂停…'],
  canceling: ['Canceling…', '正在取消…'],
  cancelingParts: ['Canceling: discarding the parts already sent…', '正在取消：丢弃已发送的分片…'],
  paused: [(p) => `Paused at ${p.pct} %; the parts sent so far stay on the server until you resume or cancel.`, (p) => `已暂停于 ${p.pct} %；已发送的分片保留在服务器上，直到继续或取消。`],
  canceledClean: ['Canceled. Nothing was stored.', '已取消，未存储任何内容。'],
  canceledLeft: ['Canceled. Some parts may remain on the server until the bucket\'s lifecycle rule removes them.', '已取消。部分分片可能留在服务器上，直到存储桶的生命周期规则将其清除。'],
  canceledBefore: ['Canceled before it started.', '开始前已取消。'],
  canceledTooLate: ['Canceled too late: the upload had already finished.', '取消得太晚：上传已经完成。'],
  attempt: [(p) => `attempt ${p.n} of ${p.of}`, (p) => `第 ${p.n} / ${p.of} 次尝试`],
  retryIn: [(p) => `${p.text} in ${p.wait} (${p.note})…`, (p) => `${p.text}，${p.wait} 后重试（${p.note}）…`],
  retryNow: [(p) => `${p.text} (${p.note})…`, (p) => `${p.text}（${p.note}）…`],
  gaveUp: [(p) => `${p.text} Gave up after ${plural(p.n, 'retry', 'retries')}.`, (p) => `${p.text} 重试 ${p.n} 次后放弃。`],
  partRetry: [(p) => `Part ${p.n} failed (${p.why}); sending it again with a fresh URL${p.wait ? ` in ${p.wait} s` : ''} (attempt ${p.attempt} of ${p.of})…`,
    (p) => `分片 ${p.n} 失败（${p.why}）；${p.wait ? `${p.wait} 秒后` : ''}用新的 URL 重新发送（第 ${p.attempt} / ${p.of} 次尝试）…`],
  networkLostShort: [(p) => `network connection lost (${p.detail})`, (p) => `网络连接中断（${p.detail}）`],
  earlierFailed: [(p) => `The earlier upload of this file could not be continued (${p.why}); it was started again.`, (p) => `无法继续此文件之前的上传（${p.why}），已重新开始。`],
  completedBefore: ['The upload had already been completed on the server (its answer was lost); nothing was sent again.', '服务器上的上传早已完成（其应答丢失），未重新发送任何内容。'],

  // results
  uploaded: ['Uploaded.', '已上传。'],
  uploadedAfter: [(p) => `Uploaded after ${plural(p.n, 'retry', 'retries')}.`, (p) => `重试 ${p.n} 次后已上传。`],
  confirmedLater: [(p) => `Uploaded. The app server's callback failed (${p.why}); the server confirmed the upload afterwards.`, (p) => `已上传。应用服务器回调失败（${p.why}）；服务器随后确认了上传。`],
  callbackWarning: [(p) => `The file is stored, but the app server's callback failed (${p.why}). The app may not know about it yet.`, (p) => `文件已存储，但应用服务器回调失败（${p.why}）。应用可能还不知道此文件。`],
  callbackRefused: [(p) => `The server did not accept this file after checking what was stored (${p.why}): it breaks the upload's rules — for example its content is not the type it claims — and has been removed or set aside. Ask the site's operator if this is unexpected.`,
    (p) => `服务器检查已存储的内容后拒绝了此文件（${p.why}）：它违反了上传规则（例如内容与声明的类型不符），已被删除或隔离。如有疑问请联系网站管理员。`],

  // failures
  offline: ['You are offline. The upload restarts when the connection is back.', '当前处于离线状态。连接恢复后上传将重新开始。'],
  offlineFinal: ['You are offline. Retry when the connection is back.', '当前处于离线状态。连接恢复后请重试。'],
  networkLost: [(p) => `Network connection lost (${p.detail}); retrying`, (p) => `网络连接中断（${p.detail}）；正在重试`],
  networkLostFinal: ['Network connection lost. Check the connection (or the CORS settings of the bucket and the signing API for this page\'s origin), then retry.', '网络连接中断。请检查网络（或存储桶和签名 API 对本页来源的 CORS 设置），然后重试。'],
  corsEtag: ['The bucket\'s CORS rule does not expose the ETag header, which multipart uploads need. Add ETag (and x-oss-request-id) to ExposeHeaders.', '存储桶的 CORS 规则没有暴露分片上传所需的 ETag 响应头。请在 ExposeHeaders 中添加 ETag（和 x-oss-request-id）。'],
  linkExpired: ['The upload link expired, retrying with a fresh one', '上传链接已过期，正在用新链接重试'],
  linkExpiredFinal: [(p) => `The upload link expired (${p.why})${p.rid}.`, (p) => `上传链接已过期（${p.why}）${p.rid}。`],
  savedGone: ['The saved upload can no longer be continued; starting again', '保存的上传已无法继续，正在重新开始'],
  savedGoneWhy: [(p) => `The saved upload can no longer be continued (${p.why}); starting again`, (p) => `保存的上传已无法继续（${p.why}），正在重新开始`],
  savedGoneFinal: [(p) => `The saved upload could not be continued (${p.why})${p.rid}.`, (p) => `保存的上传无法继续（${p.why}）${p.rid}。`],
  ossSize: [(p) => `OSS refused the file's size: it is outside the range this upload allows (${p.msg})${p.rid}.`, (p) => `OSS 拒绝了文件大小：超出此上传允许的范围（${p.msg}）${p.rid}。`],
  ossType: [(p) => `OSS refused the file's type (${p.msg})${p.rid}.`, (p) => `OSS 拒绝了文件类型（${p.msg}）${p.rid}。`],
  ossRefused: [(p) => `OSS refused the upload: ${p.msg}${p.rid}.`, (p) => `OSS 拒绝了上传：${p.msg}${p.rid}。`],
  clockSkew: ['This computer\'s clock is more than 15 minutes off; retrying with a signature made on the server\'s clock', '本机时钟偏差超过 15 分钟；正在用服务器时钟生成的签名重试'],
  clockSkewFinal: [(p) => `OSS refused the request: this computer's clock is more than 15 minutes off (RequestTimeTooSkewed)${p.rid}.`, (p) => `OSS 拒绝了请求：本机时钟偏差超过 15 分钟（RequestTimeTooSkewed）${p.rid}。`],
  stsExpired: ['The temporary upload credentials expired, retrying with fresh ones', '临时上传凭证已过期，正在用新凭证重试'],
  stsExpiredFinal: [(p) => `The temporary upload credentials expired (${p.why})${p.rid}.`, (p) => `临时上传凭证已过期（${p.why}）${p.rid}。`],
  entityTooLarge: [(p) => `Too large for OSS: ${p.msg}${p.rid}.`, (p) => `对 OSS 来说太大：${p.msg}${p.rid}。`],
  exists: [(p) => `An object with this name already exists and overwriting is forbidden${p.rid}.`, (p) => `同名对象已存在，且禁止覆盖${p.rid}。`],
  existsRetry: [(p) => `An object with this name already exists and overwriting is forbidden${p.rid}. Retry to upload under a new name.`, (p) => `同名对象已存在，且禁止覆盖${p.rid}。重试将以新名称上传。`],
  signatureMismatch: [(p) => `OSS rejected the signature: the request differs from what was signed (SignatureDoesNotMatch)${p.rid}. Report this to the site's operator.`, (p) => `OSS 拒绝了签名：请求与签名内容不一致（SignatureDoesNotMatch）${p.rid}。请告知网站管理员。`],
  damaged: ['Part of the file was damaged on the way (OSS checked its Content-MD5); sending it again', '文件的一部分在传输中损坏（OSS 校验了 Content-MD5）；正在重新发送'],
  damagedFinal: [(p) => `Part of the file was damaged on the way (OSS checked its Content-MD5: ${p.code})${p.rid}.`, (p) => `文件的一部分在传输中损坏（OSS 校验了 Content-MD5：${p.code}）${p.rid}。`],
  uploadGone: ['The multipart upload no longer exists on the server; starting it again', '服务器上的分片上传已不存在；正在重新开始'],
  uploadGoneFinal: [(p) => `The multipart upload no longer exists on the server${p.rid}.`, (p) => `服务器上的分片上传已不存在${p.rid}。`],
  noBucket: [(p) => `The bucket is not available (${p.code})${p.rid}: the signing service is misconfigured.`, (p) => `存储桶不可用（${p.code}）${p.rid}：签名服务配置有误。`],
  ossBusy: [(p) => `OSS is busy (${p.code}); retrying`, (p) => `OSS 繁忙（${p.code}）；正在重试`],
  ossBusyFinal: [(p) => `OSS is busy (${p.code}: ${p.msg})${p.rid}. Try again later.`, (p) => `OSS 繁忙（${p.code}：${p.msg}）${p.rid}。请稍后再试。`],
  ossStatus: [(p) => `OSS answered ${p.status}${p.code ? ` ${p.code}` : ''}; retrying`, (p) => `OSS 返回 ${p.status}${p.code ? ` ${p.code}` : ''}；正在重试`],
  ossStatusFinal: [(p) => `OSS failed (${p.status} ${p.code} ${p.msg})${p.rid}.`, (p) => `OSS 出错（${p.status} ${p.code} ${p.msg}）${p.rid}。`],
  ossRefusedCode: [(p) => `OSS refused the upload: ${p.code}${p.msg ? ` — ${p.msg}` : ''}${p.rid}.`, (p) => `OSS 拒绝了上传：${p.code}${p.msg ? ` — ${p.msg}` : ''}${p.rid}。`],
  failed: [(p) => `Upload failed: ${p.msg}`, (p) => `上传失败：${p.msg}`],
  partsMissing: [(p) => `OSS does not hold every part as it was sent (${p.why}); sending the missing parts again`, (p) => `OSS 上的分片与发送的不一致（${p.why}）；正在重新发送缺少的分片`],
  partsMissingFinal: [(p) => `OSS does not hold every part as it was sent (${p.why})${p.rid}.`, (p) => `OSS 上的分片与发送的不一致（${p.why}）${p.rid}。`],
  serverRefused: [(p) => `The server refused this file — ${p.field}${p.why}.${p.allowed ? ` Allowed: ${p.allowed}.` : ''}${p.rid}`, (p) => `服务器拒绝了此文件 — ${p.field}${p.why}。${p.allowed ? `允许：${p.allowed}。` : ''}${p.rid}`],
  notSignedIn: [(p) => `Not signed in, or the sign-in expired: ${p.msg}${p.rid}.`, (p) => `未登录或登录已过期：${p.msg}${p.rid}。`],
  forbidden: [(p) => `You may not upload here: ${p.msg}${p.rid}.`, (p) => `你无权上传到这里：${p.msg}${p.rid}。`],
  unknownProfile: [(p) => `Unknown upload profile: ${p.why}.${p.allowed ? ` Allowed: ${p.allowed}.` : ''}`, (p) => `未知的上传配置：${p.why}。${p.allowed ? `允许：${p.allowed}。` : ''}`],
  noFunction: [(p) => `The signing function was not found (${p.msg})${p.rid}: check apiBase in config.js.`, (p) => `找不到签名函数（${p.msg}）${p.rid}：请检查 config.js 中的 apiBase。`],
  requestTooLarge: [(p) => `The request to the signing service is too large: ${p.msg}${p.rid}.`, (p) => `发给签名服务的请求太大：${p.msg}${p.rid}。`],
  tooMany: ['Too many uploads right now; waiting', '当前上传太多；正在等待'],
  tooManyFinal: [(p) => `The signing service refused: too many requests${p.rid}.`, (p) => `签名服务拒绝：请求太多${p.rid}。`],
  signingDown: [(p) => `The signing service is unavailable (${p.status} ${p.code}); retrying`, (p) => `签名服务不可用（${p.status} ${p.code}）；正在重试`],
  signingDownFinal: [(p) => `The signing service failed (${p.status} ${p.code}: ${p.msg})${p.rid}.`, (p) => `签名服务出错（${p.status} ${p.code}：${p.msg}）${p.rid}。`],
  signingRefused: [(p) => `The signing service refused: ${p.code} ${p.msg}${p.rid}.`, (p) => `签名服务拒绝：${p.code} ${p.msg}${p.rid}。`],
  requestId: [(p) => ` (request id ${p.id})`, (p) => `（请求 ID ${p.id}）`],
  aliOssMissing: [(p) => `Could not load the ali-oss browser SDK (${p.src}). Run "npm ci" in templates/web and deploy its node_modules/ali-oss/dist folder with the page.`, (p) => `无法加载 ali-oss 浏览器 SDK（${p.src}）。请在 templates/web 中运行 "npm ci"，并随页面部署 node_modules/ali-oss/dist 目录。`],
  aliOssBroken: ['The ali-oss SDK loaded but did not define OSS.', 'ali-oss SDK 已加载，但没有定义 OSS。'],
  hashFailed: [(p) => `Could not hash a part: ${p.why}`, (p) => `无法计算分片的哈希：${p.why}`],
};

let current = 'en';

// pickLanguage is the saved choice when there is one, else zh-CN for a
// browser that prefers any Chinese (zh, zh-CN, zh-TW…) before English,
// else English.
export function pickLanguage(languages = [], saved = '') {
  if (LANGUAGES[saved]) return saved;
  for (const l of languages) {
    const tag = String(l).toLowerCase();
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

export function setLanguage(lang) {
  current = LANGUAGES[lang] ? lang : 'en';
  return current;
}

export const language = () => current;

// t is the text of key in the current language (the key itself when the
// catalog lacks it, so a missing entry shows rather than breaks).
export function t(key, params = {}) {
  const entry = M[key];
  if (!entry) return key;
  const s = entry[current === 'zh-CN' ? 1 : 0];
  return typeof s === 'function' ? s(params) : s;
}

// keys lists the catalog's keys (the tests check both languages have each).
export const keys = () => Object.keys(M);

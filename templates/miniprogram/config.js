// The sample's settings, in one place.
module.exports = {
  // Base URL of the ossdirect functions; the page calls apiBase + '/post-signature'.
  // - Local stack (`make run`): 'http://127.0.0.1:8080', in WeChat DevTools only, with
  //   "Does not verify valid domain names…" (不校验合法域名) ticked (project.config.json
  //   has urlCheck: false for that reason).
  // - Production: the functions' HTTPS custom domain, listed as a "request" legal domain.
  apiBase: 'http://127.0.0.1:8080',

  // Upload profile to ask for; '' lets a deployment with a single profile use it.
  profile: '',

  // The caller's token when the functions run with AUTH_MODE=jwt (sent as
  // "Authorization: Bearer <token>"), e.g. the JWT your login flow stored:
  //   getToken: function () { return wx.getStorageSync('token'); }
  // Return '' when the functions need no authentication.
  getToken: function () { return ''; },

  // The language of the page and of the helper's messages: 'zh-CN', 'en', or
  // '' to follow the phone's WeChat language (Chinese → zh-CN, else en).
  lang: '',

  // How many images one wx.chooseMedia call may pick (WeChat allows up to 20).
  maxFiles: 9
};

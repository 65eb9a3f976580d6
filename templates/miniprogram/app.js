// The sample needs no global state; the upload page does everything.
App({});

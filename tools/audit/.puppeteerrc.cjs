// pa11y drives Chromium through Puppeteer: use Debian's (the audit passes its path), never
// download a browser of Puppeteer's own on install.
module.exports = { skipDownload: true };

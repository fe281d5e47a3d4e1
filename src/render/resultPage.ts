/** The result webview's HTML shell. Content arrives by message after the script says it is ready. */
export interface ResultPageAssets {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** A fresh random value per render; only scripts carrying it run. */
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly codiconsUri: string;
  readonly title: string;
}

export function resultPageHtml(assets: ResultPageAssets): string {
  const csp = [
    "default-src 'none'",
    `style-src ${assets.cspSource}`,
    `font-src ${assets.cspSource}`,
    `img-src ${assets.cspSource}`,
    `script-src 'nonce-${assets.nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link href="${escapeAttribute(assets.codiconsUri)}" rel="stylesheet">
  <link href="${escapeAttribute(assets.styleUri)}" rel="stylesheet">
  <title>${escapeText(assets.title)}</title>
</head>
<body>
  <main id="root" aria-live="polite"><p class="loading">Loading…</p></main>
  <script nonce="${assets.nonce}" src="${escapeAttribute(assets.scriptUri)}"></script>
</body>
</html>`;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;');
}

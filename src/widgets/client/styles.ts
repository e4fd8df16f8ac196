/**
 * The widgets' stylesheet, adopted into each element's shadow root (so a
 * shop's CSS cannot break it, and it cannot leak into the shop's page).
 * Shops restyle it through the --printcart-* custom properties, which
 * inherit into the shadow tree, and through ::part() for anything else.
 */
export const WIDGET_CSS = String.raw`
:host{--_fg:var(--printcart-color,#1f2937);--_bg:var(--printcart-background,#fff);--_accent:var(--printcart-accent,#1d4ed8);--_on-accent:var(--printcart-accent-text,#fff);--_border:var(--printcart-border,#94a3b8);--_radius:var(--printcart-radius,8px);--_focus:var(--printcart-focus,#f59e0b);--_error:var(--printcart-error,#b91c1c);--_ok:var(--printcart-success,#15803d);--_warn:var(--printcart-warning,#b45309);--_checker:var(--printcart-checker,#e2e8f0);display:block;margin:0 0 1.5em;font:var(--printcart-font,inherit);color:var(--_fg);max-width:var(--printcart-max-width,40rem)}
:host([hidden]){display:none}
*{box-sizing:border-box}
.drop{border:2px dashed var(--_border);border-radius:var(--_radius);background:var(--_bg);padding:1.25em 1em;text-align:center}
.drop.over{border-color:var(--_accent);border-style:solid}
.drop p{margin:.35em 0}
.hint{font-size:.85em;opacity:.8}
button,.button{font:inherit;font-weight:600;display:inline-block;border:0;border-radius:var(--_radius);background:var(--_accent);color:var(--_on-accent);padding:.55em 1.1em;cursor:pointer;text-decoration:none}
button:disabled{opacity:.6;cursor:progress}
button:focus-visible,a:focus-visible{outline:3px solid var(--_focus);outline-offset:2px}
.status{min-height:1.5em;margin:.6em 0 0}
.status:empty{min-height:0;margin:0}
.error{color:var(--_error);font-weight:600;margin:.4em 0 0}
.error:empty{display:none}
.preview{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75em;margin-top:.75em}
[hidden]{display:none!important}
figure{margin:0}
figcaption{font-size:.85em;margin-bottom:.25em}
.frame{border:1px solid var(--_border);border-radius:var(--_radius);overflow:hidden;background:var(--_bg);min-height:4rem;display:flex;align-items:center;justify-content:center}
.checker{background-color:#fff;background-image:conic-gradient(var(--_checker) 25%,transparent 0 50%,var(--_checker) 0 75%,transparent 0);background-size:16px 16px}
img{display:block;max-width:100%;max-height:var(--printcart-preview-height,20rem);height:auto}
.stack{position:relative;line-height:0;max-width:100%}
.cut{position:absolute;inset:0;width:100%;height:100%;max-height:none;filter:drop-shadow(0 0 .5px #f0f) drop-shadow(0 0 0 #f0f) drop-shadow(0 0 0 #f0f) drop-shadow(0 0 0 #f0f)}
.result{margin-top:.75em}
.stars{color:var(--_warn);font-size:1.5em;letter-spacing:.1em}
.badge{display:inline-block;font-weight:700;border-radius:999px;padding:.15em .7em;color:#fff;background:var(--_ok)}
.badge.warnings{background:var(--_warn)}
.badge.failed{background:var(--_error)}
ul{padding-left:1.2em;margin:.5em 0}
li{margin:.25em 0}
.sev{font-weight:700;text-transform:capitalize}
.s-error{color:var(--_error)}
.s-warning{color:var(--_warn)}
`;

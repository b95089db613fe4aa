/* Static files built into the binary: no file system access, so no path
 * traversal is possible; unknown names are 404. */
#include <string.h>

#include "app_int.h"

static const char css[] =
    ":root{--fg:#1a1a1a;--muted:#555;--accent:#0a5a9c;--bg:#fff;"
    "--line:#ddd}\n"
    "*{box-sizing:border-box}\n"
    "body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:var(--fg);background:var(--bg);margin:0}\n"
    "header.site{background:#0a3d62;color:#fff;padding:.6rem 1rem;display:"
    "flex;flex-wrap:wrap;gap:1rem;align-items:center}\n"
    "header.site a{color:#fff;text-decoration:none;font-weight:600}\n"
    "header.site nav a{font-weight:400;margin-right:1rem}\n"
    "main{max-width:1100px;margin:0 auto;padding:1rem}\n"
    "h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.2rem;margin-top:2rem;"
    "border-bottom:1px solid var(--line)}\n"
    "a{color:var(--accent)}\n"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.95rem}"
    "\n"
    "th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid "
    "var(--line);vertical-align:top}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".muted{color:var(--muted)}.pending{color:#8a4b00;font-style:italic}\n"
    "svg.map,svg.chart{width:100%;height:auto;max-width:960px;display:block}"
    "\n"
    "svg.map path.country:hover{stroke:#000;stroke-width:1}\n"
    ".downloads a{margin-right:.8rem;white-space:nowrap}\n"
    "form.search input{font-size:1rem;padding:.3rem;width:min(30rem,100%)}\n"
    ".scroll{overflow-x:auto}\n"
    "footer{color:var(--muted);font-size:.85rem;padding:2rem 1rem;"
    "text-align:center}\n"
    "@media (max-width:600px){body{font-size:15px}main{padding:.5rem}"
    "th,td{padding:.2rem .3rem}header.site nav a{margin-right:.5rem}}\n"
    "@media print{header.site nav,form,.downloads,.noprint{display:none}"
    "body{font-size:11pt}a{color:#000;text-decoration:none}"
    "main{max-width:none}h2{page-break-after:avoid}"
    "table,svg{page-break-inside:avoid}}\n";

static const char js[] =
    "/* ictdev: small enhancements only; every page works without this. */\n"
    "(function(){\n"
    "  var f=document.querySelector('form.filter-table');\n"
    "  if(!f)return;\n"
    "  var inp=f.querySelector('input'),rows=document.querySelectorAll("
    "'table.filterable tbody tr');\n"
    "  inp.addEventListener('input',function(){\n"
    "    var q=inp.value.toLowerCase();\n"
    "    rows.forEach(function(r){r.hidden=q&&r.textContent.toLowerCase()"
    ".indexOf(q)<0;});\n"
    "  });\n"
    "})();\n";

static const char icon[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">"
    "<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#0a3d62\"/>"
    "<path d=\"M3 12h2V8H3zm4 0h2V5H7zm4 0h2V3h-2z\" fill=\"#fff\"/>"
    "</svg>\n";

void static_file(struct ctx *c)
{
    const char *name = c->params[0];
    if (c->req->query.count > 0) {
        http_problem(c->resp, 400, c->req->path,
                     "static files take no parameters");
        return;
    }
    if (strcmp(name, "ictdev.css") == 0) {
        buf_append(&c->resp->body, css, sizeof(css) - 1);
        c->resp->ctype = "text/css; charset=utf-8";
    } else if (strcmp(name, "ictdev.js") == 0) {
        buf_append(&c->resp->body, js, sizeof(js) - 1);
        c->resp->ctype = "text/javascript; charset=utf-8";
    } else if (strcmp(name, "favicon.svg") == 0) {
        buf_append(&c->resp->body, icon, sizeof(icon) - 1);
        c->resp->ctype = "image/svg+xml";
    } else {
        http_problem(c->resp, 404, c->req->path, "no such static file");
    }
}

// The hosted pages' stylesheet, served from /assets/pages.css so the page CSP needs no inline styles.
export const PAGES_CSS = `*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f4f5f7;
font:16px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2933}
.card{background:#fff;max-width:26rem;width:100%;margin:1rem;padding:2rem;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.brand{margin:0 0 .5rem;color:#52606d;font-weight:600}
h1{margin:0 0 1rem;font-size:1.5rem}
label{display:block;margin:1rem 0 .25rem;font-weight:600}
input{width:100%;padding:.6rem .7rem;border:1px solid #9aa5b1;border-radius:.375rem;font:inherit}
input:focus{outline:3px solid #93c5fd;border-color:#2563eb}
input[aria-invalid=true]{border-color:#b91c1c}
button{margin-top:1.25rem;width:100%;padding:.7rem;border:0;border-radius:.375rem;background:#2563eb;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button:hover{background:#1d4ed8}
.hint{margin:.25rem 0 0;font-size:.875rem;color:#52606d}
.field-error,.error{color:#b91c1c}
.error,.success,.info{padding:.75rem;border-radius:.375rem}
.error{background:#fef2f2}.success{background:#ecfdf5;color:#065f46}.info{background:#eff6ff}
a{color:#2563eb}`;

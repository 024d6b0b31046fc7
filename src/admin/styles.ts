// The console stylesheet, served from /assets/admin.css so the console CSP needs no inline styles.
export const ADMIN_CSS = `*{box-sizing:border-box}
body{margin:0;font:15px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2933;background:#f4f5f7}
.top{display:flex;align-items:center;gap:1.5rem;padding:.75rem 1.5rem;background:#1f2933;color:#fff}
.top a{color:#fff;text-decoration:none}.top .brand{font-weight:700}
.top nav{display:flex;gap:1rem;flex:1}.top nav a[aria-current=page]{text-decoration:underline}
.signout{display:flex;gap:.75rem;align-items:center;margin:0}.signout button{margin:0;width:auto;background:#52606d}
main{max-width:72rem;margin:1.5rem auto;padding:0 1.5rem}
h1{font-size:1.6rem;margin:0 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
table{width:100%;border-collapse:collapse;background:#fff;border-radius:.5rem;overflow:hidden}
th,td{padding:.5rem .75rem;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
th{background:#f0f4f8;font-weight:600}
form.narrow{max-width:24rem;background:#fff;padding:1.5rem;border-radius:.5rem}
label{display:block;margin:1rem 0 .25rem;font-weight:600}
input,select{width:100%;padding:.55rem .65rem;border:1px solid #9aa5b1;border-radius:.375rem;font:inherit}
input:focus,select:focus{outline:3px solid #93c5fd;border-color:#2563eb}
button{margin-top:1.25rem;padding:.6rem 1rem;border:0;border-radius:.375rem;background:#2563eb;color:#fff;font:inherit;font-weight:600;cursor:pointer}
.error{color:#b91c1c;background:#fef2f2;padding:.75rem;border-radius:.375rem}
.notice{color:#065f46;background:#ecfdf5;padding:.75rem;border-radius:.375rem}
code{font-size:.9em}`;

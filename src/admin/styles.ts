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
code{font-size:.9em}
.panel{background:#fff;padding:1.25rem 1.5rem;border-radius:.5rem;margin:1rem 0;max-width:40rem}
.reveal{border:2px solid #059669}.secret{font-size:1.05em;word-break:break-all;background:#f0fdf4;padding:.25rem .5rem}
textarea{width:100%;padding:.55rem .65rem;border:1px solid #9aa5b1;border-radius:.375rem;font:inherit}
.qr{display:block;margin:1rem 0;background:#fff}.recovery-codes{columns:2;font-size:1.05rem;max-width:28rem}
.hint{margin:.25rem 0 0;font-size:.85rem;color:#52606d}.field-error{color:#b91c1c;margin:.25rem 0 0}
.check{display:flex;gap:.5rem;align-items:center;font-weight:400}.check input{width:auto}
fieldset{border:1px solid #cbd2d9;border-radius:.375rem;margin:1rem 0 0;padding:.5rem 1rem}
form.inline{display:inline;margin:0}form.inline button{margin:0 .25rem 0 0;padding:.3rem .6rem;font-size:.85rem}
button.danger{background:#b91c1c}
.filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:end;background:#fff;padding:1rem;border-radius:.5rem;margin-bottom:1rem}
.filters label{margin:0 0 .25rem}.filters div{min-width:10rem}.filters button{margin:0}
.pager{margin:1rem 0}
table.facts{max-width:48rem}table.facts th{width:12rem}
.figures{display:flex;gap:1rem}.figures span{background:#fff;padding:.75rem 1rem;border-radius:.5rem}.figures .alert{background:#fef2f2;color:#b91c1c}`;

/// The cockpit's one style sheet and one script, served from its own origin so the CSP can
/// say `'self'` and nothing else.
enum Assets {
    static let css = """
        :root{--ink:#1c1f24;--muted:#667085;--line:#e4e7ec;--bg:#f6f7f9;--card:#fff;--accent:#1f5fbf;
        --good:#127a45;--goodbg:#e7f6ee;--bad:#b42318;--badbg:#fdecea;--warn:#93600a;--warnbg:#fdf5e1}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
        code,pre{font-family:ui-monospace,"SF Mono",Menlo,Consolas,monospace;font-size:.88em}
        code{background:#eef1f5;border-radius:4px;padding:.05em .3em;word-break:break-all}
        .bar{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.7rem 1.5rem;background:#14213d;color:#fff}
        .brand{color:#fff;font-weight:700;font-size:1.1rem}.brand span{font-weight:400;opacity:.7}
        nav{display:flex;flex-wrap:wrap;gap:.2rem}
        nav a{color:#d6def0;padding:.3rem .7rem;border-radius:6px}nav a:hover{background:#22335c;text-decoration:none}
        nav a[aria-current=page]{background:#fff;color:#14213d;font-weight:600}
        .count{display:inline-block;min-width:1.3em;padding:0 .35em;border-radius:9px;background:#e5484d;color:#fff;font-size:.78em;text-align:center}
        main{max-width:1180px;margin:0 auto;padding:1.5rem}
        h1{font-size:1.55rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.8rem 0 .6rem}
        .muted{color:var(--muted)}.meta{color:var(--muted);margin-top:-.4rem}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:1rem}
        .card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem 1.2rem}
        .card h2{margin:0 0 .3rem;font-size:.85rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
        .big{font-size:1.7rem;font-weight:650;margin:.1rem 0}
        .daemons{list-style:none;margin:0;padding:0}.daemons li{padding:.1rem 0}
        .dot{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;margin-right:.45rem;background:var(--bad)}.dot.ok{background:var(--good)}
        .table{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:10px}
        table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.5rem .8rem;border-bottom:1px solid var(--line);vertical-align:top}
        th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);background:#fafbfc}
        tr:last-child td{border-bottom:0}tr.read td{color:var(--muted)}
        .badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.78rem;font-weight:600;background:#eef1f5;color:#344054}
        .badge.open,.badge.pending{background:#e8f0fd;color:#1f4fa0}.badge.landed,.badge.ok,.badge.active{background:var(--goodbg);color:var(--good)}
        .badge.closed,.badge.refused,.badge.denied,.badge.invalidated,.badge.refuted,.badge.removed{background:var(--badbg);color:var(--bad)}
        .badge.staged,.badge.behind,.badge.superseding,.badge.modified{background:var(--warnbg);color:var(--warn)}
        .badge.added{background:var(--goodbg);color:var(--good)}
        .alert{border-radius:8px;padding:.7rem 1rem;margin:.8rem 0;background:#eef1f5;border-left:4px solid #98a2b3}
        .alert.good{background:var(--goodbg);border-color:var(--good)}.alert.bad{background:var(--badbg);border-color:var(--bad)}
        .alert.warn{background:var(--warnbg);border-color:var(--warn)}
        .facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:1rem 0}.facts dt{color:var(--muted)}.facts dd{margin:0}
        .entry{background:var(--card);border:1px solid var(--line);border-radius:10px;margin:1rem 0;overflow:hidden}
        .entry>header{padding:.6rem 1rem;background:#fafbfc;border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
        .attribution{margin-left:auto;font-size:.85rem}.attribution.warn{color:var(--warn);font-weight:600}
        .fields{margin:0;border-bottom:1px solid var(--line)}.fields th{width:10rem;text-transform:none;font-size:.85rem;background:none}
        .markdown{padding:.4rem 1.2rem;overflow-wrap:anywhere}.markdown pre{background:#f3f4f6;padding:.7rem;border-radius:6px;overflow-x:auto}
        .markdown table{width:auto}.markdown img{max-width:100%}
        details{border-top:1px solid var(--line)}summary{cursor:pointer;padding:.5rem 1rem;color:var(--muted)}
        pre.diff{margin:0;padding:.5rem 0;overflow-x:auto;background:#fbfbfc}
        pre.diff span{display:block;padding:0 1rem;white-space:pre-wrap}
        pre.diff .added{background:#e6f4ea;color:#0f5132}pre.diff .removed{background:#fbe9eb;color:#842029}pre.diff .gap{color:var(--muted);font-style:italic}
        .actions{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1rem;margin-top:1.5rem}
        .actions.inline{display:flex;gap:.6rem;margin:0 0 1rem}
        td.nowrap,code.op{white-space:nowrap;word-break:normal}
        .panel{margin-top:1rem;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem 1.2rem;display:flex;flex-direction:column;gap:.5rem}
        .panel.row{flex-direction:row;flex-wrap:wrap;align-items:center;justify-content:space-between;margin:.5rem 0}
        label{font-weight:600}
        input,select,textarea{font:inherit;padding:.45rem .6rem;border:1px solid #c9ced6;border-radius:7px;background:#fff;max-width:100%}
        textarea{width:100%}
        button{font:inherit;font-weight:600;padding:.45rem 1.1rem;border:0;border-radius:7px;background:var(--accent);color:#fff;cursor:pointer;align-self:flex-start}
        button.secondary{background:#475467}button.danger{background:var(--bad)}button.small{padding:.2rem .7rem;font-size:.85rem}
        .search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin-bottom:1rem}
        .chain{list-style:none;padding:0}.chain li{padding:.15rem 0}
        .depth-1{padding-left:1.5rem!important}.depth-2{padding-left:3rem!important}.depth-3{padding-left:4.5rem!important}
        .depth-4,.depth-5,.depth-6{padding-left:6rem!important}
        .lands{padding-left:1.2rem}pre.key{background:#14213d;color:#fff;padding:1rem;border-radius:8px;white-space:pre-wrap;word-break:break-all}
        @media (max-width:720px){main{padding:1rem}.bar{padding:.6rem 1rem}.big{font-size:1.35rem}th,td{padding:.4rem .5rem}}
        """

    /// The overview refreshes its live part every five seconds (replaced only when it changed,
    /// so a link is not pulled from under a click); nothing else needs script.
    static let js = """
        (function(){var every=parseInt(document.body.getAttribute('data-live')||'0',10);if(!every)return;
        setInterval(function(){fetch(location.pathname+'?fragment=1',{cache:'no-store',credentials:'same-origin'})
        .then(function(r){return r.ok?r.text():null}).then(function(h){if(h===null)return;
        var live=document.getElementById('live');if(!live)return;var t=document.createElement('template');t.innerHTML=h;
        var fresh=t.content.getElementById('live');if(fresh&&fresh.innerHTML!==live.innerHTML)live.replaceWith(fresh)}).catch(function(){})},every*1000)})();
        """
}

/// The cockpit's pages (swift-mustache). `{{x}}` escapes; `{{{x}}}` is used only for HTML the
/// cockpit made itself: a rendered inner page, or cmark's safe rendering of an entry body.
enum Templates {
    static let all: [String: String] = [
        "layout": layout, "overview": overview, "proposal": proposal, "landed": landed, "inbox": inbox,
        "message": message, "entry": entry, "claims": claims, "claim": claim, "cascade": cascade,
        "judged": judged, "connectors": connectors, "instances": instances, "enrolled": enrolled, "audit": audit,
        "notice": notice,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Choros cockpit</title>
        <link rel="stylesheet" href="/static/cockpit.css">
        {{#live}}<script src="/static/cockpit.js" defer></script>{{/live}}
        </head>
        <body{{#live}} data-live="{{live}}"{{/live}}>
        <header class="bar"><a class="brand" href="{{base}}/">Choros <span>cockpit</span></a>
        <nav>{{#nav}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}{{#count}} <span class="count">{{count}}</span>{{/count}}</a>{{/nav}}</nav>
        </header>
        <main>{{{content}}}</main>
        </body></html>
        """

    static let notice = """
        <h1>{{heading}}</h1>
        <div class="alert {{tone}}">{{message}}</div>
        {{#back}}<p><a href="{{back}}">Back</a></p>{{/back}}
        """

    static let overview = """
        <div id="live">
        <h1>Overview</h1>
        <section class="cards">
        <div class="card"><h2>Canon</h2><p class="big">{{canon.display}}</p>
        <p class="muted">tip <code>{{canon.tip}}</code><br>next seq {{canon.next}}</p></div>
        <div class="card"><h2>Mail</h2><p class="big"><a href="{{base}}/inbox">{{unread}} unread</a></p>
        <p class="muted">messages to the practitioner</p></div>
        <div class="card"><h2>Audit</h2><p class="big">{{auditHead}}</p>
        <p class="muted">events · {{verify}} · <a href="{{base}}/audit">log</a></p></div>
        <div class="card"><h2>Daemons</h2><ul class="daemons">{{#daemons}}
        <li><span class="dot {{state}}"></span>{{name}} <span class="muted">{{detail}}</span></li>{{/daemons}}</ul></div>
        </section>
        {{#hasStaged}}<h2>Staged in the airlock</h2>
        <div class="table"><table><thead><tr><th>Proposal</th><th>Staged oid</th><th>Lands after</th><th>Expires</th></tr></thead><tbody>
        {{#staged}}<tr><td><a href="{{base}}/proposals/{{proposal}}">{{proposal}}</a></td><td><code>{{oid}}</code></td>
        <td><span class="badge staged">{{floor}}</span></td><td>{{expires}}</td></tr>{{/staged}}
        </tbody></table></div>{{/hasStaged}}
        <h2>Proposals</h2>
        {{#hasProposals}}<div class="table"><table><thead><tr><th>Proposal</th><th>State</th><th>Creator</th><th>Note</th></tr></thead><tbody>
        {{#proposals}}<tr><td><a href="{{base}}/proposals/{{id}}">{{id}}</a></td><td><span class="badge {{state}}">{{state}}</span>{{#staged}} <span class="badge staged">staged</span>{{/staged}}</td>
        <td>{{creator}}</td><td class="muted">{{reason}}</td></tr>{{/proposals}}
        </tbody></table></div>{{/hasProposals}}{{^hasProposals}}<p class="muted">No proposals yet.</p>{{/hasProposals}}
        <h2>Instances</h2>
        <div class="table"><table><thead><tr><th>Instance</th><th>With canon</th><th>Cursor</th></tr></thead><tbody>
        {{#instances}}<tr><td>{{name}}</td><td>{{#revoked}}<span class="badge refused">revoked</span>{{/revoked}}{{^revoked}}{{#current}}<span class="badge landed">current</span>{{/current}}{{^current}}<span class="badge behind">behind</span>{{/current}}{{/revoked}}</td><td><code>{{cursor}}</code></td></tr>{{/instances}}
        </tbody></table></div>
        {{#hasLands}}<h2>Recent lands</h2><ul class="lands">{{#lands}}<li><strong>{{seq}}</strong> {{proposal}} <span class="muted">by {{by}}, {{time}}</span></li>{{/lands}}</ul>{{/hasLands}}
        </div>
        """

    static let proposal = """
        <h1>Proposal <code>{{id}}</code></h1>
        <p class="meta"><span class="badge {{state}}">{{state}}</span>{{#staged}} <span class="badge staged">staged</span>{{/staged}}
        created by <strong>{{creator}}</strong> · tip <code>{{proposalOid}}</code> onto canon <code>{{canonOid}}</code></p>
        {{#reason}}<div class="alert">Closed: {{reason}}</div>{{/reason}}
        {{#hasConflicts}}<div class="alert bad"><strong>Conflicts</strong> with canon in: {{#conflicts}}<code>{{.}}</code> {{/conflicts}}</div>{{/hasConflicts}}
        {{#wouldRemove}}<div class="alert bad"><strong>Refused:</strong> landing would remove canon paths (canon is append-only).</div>{{/wouldRemove}}
        <div class="alert {{logTone}}"><strong>Log entry:</strong> {{logMessage}}</div>
        <dl class="facts"><dt>Authors</dt><dd>{{authors}}</dd><dt>Seq it takes</dt><dd>{{expectedSeq}}</dd>
        <dt>Re-indexed on land</dt><dd>{{changedCount}} path(s)</dd></dl>
        {{#changes}}
        <article class="entry">
        <header><span class="badge {{kind}}">{{kind}}</span> <code>{{path}}</code>
        {{#beforePath}}<span class="muted">against canon's <code>{{beforePath}}</code></span>{{/beforePath}}
        {{#attribution}}<span class="attribution {{attributionTone}}">{{attribution}}</span>{{/attribution}}</header>
        {{#hasFields}}<table class="fields">{{#fields}}<tr><th>{{key}}</th><td>{{value}}</td></tr>{{/fields}}</table>{{/hasFields}}
        <div class="markdown">{{{html}}}</div>
        {{#hasDiff}}<details open><summary>Line diff against canon</summary>
        <pre class="diff">{{#lines}}<span class="{{kind}}">{{sign}} {{text}}</span>{{/lines}}</pre></details>{{/hasDiff}}
        </article>
        {{/changes}}
        {{#open}}<section class="actions">
        {{#canLand}}<form method="post" action="{{base}}/proposals/{{id}}/land" class="panel">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="confirm">Type <code>{{id}}</code> to land it as seq {{expectedSeq}}</label>
        <input id="confirm" name="confirm" autocomplete="off" spellcheck="false" required>
        <button type="submit">Land</button></form>{{/canLand}}
        <form method="post" action="{{base}}/proposals/{{id}}/close" class="panel">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="reason">Close it for good, with a reason</label>
        <input id="reason" name="reason" required>
        <button type="submit" class="secondary">Close</button></form>
        </section>{{/open}}
        """

    static let landed = """
        <h1>Landed <code>{{id}}</code></h1>
        <div class="alert good">Canon is now at <strong>{{display}}</strong> (tag <code>{{tag}}</code>).</div>
        <dl class="facts"><dt>Canon</dt><dd><code>{{canonOid}}</code></dd><dt>Previous</dt><dd><code>{{previous}}</code></dd>
        <dt>Audit seq</dt><dd>{{auditSeq}}</dd><dt>Anchored at</dt><dd>{{anchoredSeq}}</dd>
        <dt>Re-indexed</dt><dd>{{indexed}} path(s)</dd></dl>
        <p><a href="{{base}}/">Back to the overview</a></p>
        """

    static let inbox = """
        <h1>Inbox</h1>
        <p>{{#all}}All messages · <a href="{{base}}/inbox">unread only</a>{{/all}}{{^all}}Unread · <a href="{{base}}/inbox?all=1">all messages</a>{{/all}}</p>
        {{#hasMessages}}<div class="table"><table><thead><tr><th>From</th><th>Subject</th><th>Coordinates</th><th></th></tr></thead><tbody>
        {{#messages}}<tr class="{{#read}}read{{/read}}"><td>{{from}}</td><td><a href="{{base}}/inbox/read?ref={{ref}}&amp;path={{path}}">{{subject}}</a></td>
        <td>{{#coordinates}}<a href="{{base}}/entry?ref=canon&amp;path={{.}}"><code>{{.}}</code></a> {{/coordinates}}</td>
        <td>{{^read}}<span class="badge staged">unread</span>{{/read}}</td></tr>{{/messages}}
        </tbody></table></div>{{/hasMessages}}{{^hasMessages}}<p class="muted">Nothing here.</p>{{/hasMessages}}
        """

    static let message = """
        <h1>{{subject}}</h1>
        <p class="meta">from <strong>{{from}}</strong> · <code>{{path}}</code> on <code>{{ref}}</code> · marked read</p>
        {{#hasCoordinates}}<p>Coordinates: {{#coordinates}}<a href="{{base}}/entry?ref=canon&amp;path={{.}}"><code>{{.}}</code></a> {{/coordinates}}</p>{{/hasCoordinates}}
        <article class="entry"><div class="markdown">{{{html}}}</div></article>
        <form method="post" action="{{base}}/inbox/reply" class="panel">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="to" value="{{from}}">
        <label for="subject">Reply to {{from}}, signed as the practitioner</label>
        <input id="subject" name="subject" value="Re: {{subject}}" required>
        <textarea name="body" rows="6" required></textarea>
        <button type="submit">Send</button></form>
        """

    static let entry = """
        <h1><code>{{path}}</code></h1>
        <p class="meta">on <code>{{ref}}</code></p>
        {{#hasFields}}<table class="fields">{{#fields}}<tr><th>{{key}}</th><td>{{value}}</td></tr>{{/fields}}</table>{{/hasFields}}
        <article class="entry"><div class="markdown">{{{html}}}</div></article>
        """

    static let claims = """
        <h1>Claims</h1>
        <form method="get" action="{{base}}/claims" class="search">
        <input name="subject" value="{{subject}}" placeholder="subject"> or
        <input name="entry" value="{{entry}}" placeholder="entry path"> <button type="submit">Look up</button></form>
        {{#searched}}{{#hasClaims}}<div class="table"><table><thead><tr><th>Claim</th><th>Subject</th><th>Predicate</th><th>Value</th><th>Author</th><th>State</th></tr></thead><tbody>
        {{#claims}}<tr><td><a href="{{base}}/claims/{{op}}"><code>{{short}}</code></a></td><td>{{subject}}</td><td>{{predicate}}</td><td><code>{{value}}</code></td><td>{{author}}</td><td><span class="badge {{state}}">{{state}}</span></td></tr>{{/claims}}
        </tbody></table></div>{{/hasClaims}}{{^hasClaims}}<p class="muted">No claims.</p>{{/hasClaims}}{{/searched}}
        """

    static let claim = """
        <h1>Claim <code>{{short}}</code></h1>
        <p class="meta">{{subject}} · {{predicate}} = <code>{{value}}</code> · by <strong>{{author}}</strong> · <span class="badge {{state}}">{{state}}</span></p>
        {{#cause}}<div class="alert">Ended by <code>{{cause}}</code>{{#causePath}}: {{causePath}}{{/causePath}}</div>{{/cause}}
        <h2>Why it is believed</h2>
        <ul class="chain">{{#chain}}<li class="depth-{{depth}}">{{kind}} <code>{{short}}</code> {{what}} <span class="muted">by {{author}}, {{state}}</span></li>{{/chain}}</ul>
        <p><a href="{{base}}/claims/{{op}}/bundle">Download the explanation bundle</a> (<code>choros verify-bundle</code> checks it offline)</p>
        {{#active}}<section class="actions">
        <form method="post" action="{{base}}/claims/{{op}}/preview" class="panel">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="refute">
        <label for="refute-reason">Refute: why it is wrong</label><input id="refute-reason" name="reason" required>
        <label for="scope">Scope</label><select id="scope" name="scope"><option value="value">this value</option><option value="key">the whole key</option></select>
        <button type="submit" class="danger">Preview the cascade</button></form>
        <form method="post" action="{{base}}/claims/{{op}}/preview" class="panel">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="correct">
        <label for="value">Correct: the right value (a JSON object)</label><input id="value" name="value" required>
        <label for="correct-reason">Why</label><input id="correct-reason" name="reason" required>
        <button type="submit">Preview the cascade</button></form>
        </section>{{/active}}
        """

    static let cascade = """
        <h1>{{verb}} <code>{{short}}</code>?</h1>
        <div class="alert {{tone}}">{{count}} derived claim(s) will be invalidated{{#count}}, and their authors told{{/count}}.</div>
        {{#hasInvalidations}}<div class="table"><table><thead><tr><th>Claim</th><th>Author</th><th>Path from {{short}}</th></tr></thead><tbody>
        {{#invalidations}}<tr><td><code>{{target}}</code></td><td>{{author}}</td><td class="muted">{{path}}</td></tr>{{/invalidations}}
        </tbody></table></div>{{/hasInvalidations}}
        <form method="post" action="{{base}}/claims/{{op}}/judge" class="panel">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="{{action}}">
        <input type="hidden" name="reason" value="{{reason}}"><input type="hidden" name="scope" value="{{scope}}">
        <input type="hidden" name="value" value="{{value}}">
        <button type="submit" class="danger">Confirm: {{verb}}</button> <a href="{{base}}/claims/{{op}}">Cancel</a></form>
        """

    static let judged = """
        <h1>{{verb}}: <code>{{short}}</code></h1>
        <div class="alert good">{{#replayed}}Already recorded. {{/replayed}}Recorded as <code>{{opID}}</code>; {{count}} derived claim(s) invalidated.</div>
        {{#hasInvalidations}}<div class="table"><table><thead><tr><th>Claim</th><th>Author</th><th>Path</th></tr></thead><tbody>
        {{#invalidations}}<tr><td><code>{{target}}</code></td><td>{{author}}</td><td class="muted">{{path}}</td></tr>{{/invalidations}}
        </tbody></table></div>{{/hasInvalidations}}
        {{#messages}}<p class="muted">Told: {{messages}}</p>{{/messages}}
        """

    static let connectors = """
        <h1>Connectors</h1>
        {{^enabled}}<div class="alert">The OAuth door is off (set <code>http_public_url</code> and <code>http_enabled</code>).</div>{{/enabled}}
        <h2>Waiting for approval</h2>
        {{#hasPending}}{{#pending}}<form method="post" action="{{base}}/connectors/approve" class="panel row">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="transaction" value="{{transaction}}">
        <div><strong>{{client}}</strong> <span class="muted">→ {{redirect}}</span><br><code>{{transaction}}</code></div>
        <label>as <input name="instance" value="{{instance}}" required></label>
        <button type="submit">Approve</button></form>{{/pending}}{{/hasPending}}{{^hasPending}}<p class="muted">None.</p>{{/hasPending}}
        <h2>Grants</h2>
        {{#hasGrants}}<div class="table"><table><thead><tr><th>Grant</th><th>Client</th><th>Instance</th><th>Channel</th><th>Since</th><th></th></tr></thead><tbody>
        {{#grants}}<tr><td><code>{{id}}</code></td><td>{{client}}</td><td>{{instance}}</td><td>{{channel}}</td><td>{{since}}</td>
        <td>{{#revoked}}<span class="badge refused">revoked</span>{{/revoked}}{{^revoked}}<form method="post" action="{{base}}/connectors/revoke"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}"><button type="submit" class="danger small">Revoke</button></form>{{/revoked}}</td></tr>{{/grants}}
        </tbody></table></div>{{/hasGrants}}{{^hasGrants}}<p class="muted">None.</p>{{/hasGrants}}
        """

    static let instances = """
        <h1>Instances</h1>
        <div class="table"><table><thead><tr><th>Name</th><th>Author</th><th>State</th><th></th></tr></thead><tbody>
        {{#instances}}<tr><td>{{name}}</td><td><code>{{author}}</code></td><td>{{#revoked}}<span class="badge refused">revoked</span>{{/revoked}}{{^revoked}}<span class="badge landed">enrolled</span>{{/revoked}}</td>
        <td>{{^revoked}}{{^approver}}<form method="post" action="{{base}}/instances/revoke"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="name" value="{{name}}"><button type="submit" class="danger small">Revoke</button></form>{{/approver}}{{/revoked}}</td></tr>{{/instances}}
        </tbody></table></div>
        <form method="post" action="{{base}}/instances/enroll" class="panel">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="name">Enroll an instance (its key is shown once)</label>
        <input id="name" name="name" pattern="[A-Za-z0-9._\\-]{1,64}" required>
        <button type="submit">Enroll</button></form>
        <p class="muted">For an instance under its own Unix user, use <code>choros-admin instance add NAME --user USER</code> as root.</p>
        """

    static let enrolled = """
        <h1>Enrolled {{name}}</h1>
        <div class="alert good">The key is at <code>{{keyFile}}</code> (0600). It is shown this once: give it to the instance's bridge (<code>choros-mcp --key FILE</code>).</div>
        <pre class="key">{{key}}</pre>
        <p><a href="{{base}}/instances">Back to the instances</a></p>
        """

    static let audit = """
        <h1>Audit log</h1>
        <section class="actions inline">
        <form method="post" action="{{base}}/audit/verify"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Verify now</button></form>
        <form method="post" action="{{base}}/audit/anchor"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="secondary">Anchor now</button></form>
        </section>
        {{#result}}<div class="alert {{tone}}">{{result}}</div>{{/result}}
        <div class="table"><table><thead><tr><th>Seq</th><th>Time</th><th>Actor</th><th>Op</th><th>Target</th><th>Outcome</th></tr></thead><tbody>
        {{#events}}<tr><td>{{seq}}</td><td class="muted nowrap">{{time}}</td><td>{{actor}}</td><td><code class="op">{{op}}</code></td><td>{{#target}}<code>{{target}}</code>{{/target}}</td><td><span class="badge {{outcome}}">{{outcome}}</span></td></tr>{{/events}}
        </tbody></table></div>
        {{#older}}<p><a href="{{base}}/audit?before={{older}}">Older events</a></p>{{/older}}
        """
}

// Verifies DKIM signatures of messages the bench's sink kept, with mailauth (the nodemailer author's DKIM, SPF
// and DMARC library, already a dependency). No DNS is asked: mailauth gets a resolver that answers the one TXT
// record the bench's key would publish.
const { dkimVerify } = require('mailauth/lib/dkim/verify');

/** `v=DKIM1; k=rsa; p=…` for an RSA public key (KeyObject). */
function txtRecord(publicKey) {
  return `v=DKIM1; k=rsa; p=${publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;
}

/**
 * Each message (a latin1 string of its raw bytes, as the sink keeps them) verified against `selector._domainkey.
 * domain`: { checked, passed, failures: [first few reasons] }.
 */
async function verifySamples(samples, { domain, selector, publicKey }) {
  const name = `${selector}._domainkey.${domain}`;
  const record = txtRecord(publicKey);
  const resolver = (n, type) =>
    type === 'TXT' && n === name
      ? Promise.resolve([[record]])
      : Promise.reject(Object.assign(new Error(`no ${type} record for ${n}`), { code: 'ENOTFOUND' }));
  let passed = 0;
  const failures = [];
  for (const raw of samples) {
    const { results } = await dkimVerify(Buffer.from(raw, 'latin1'), { resolver });
    const ok = results.some((r) => r.status.result === 'pass' && r.signingDomain === domain);
    if (ok) passed++;
    else if (failures.length < 3)
      failures.push(results.map((r) => `${r.status.result}: ${r.status.comment ?? ''}`).join(', ') || 'unsigned');
  }
  return { checked: samples.length, passed, failures };
}

module.exports = { verifySamples };

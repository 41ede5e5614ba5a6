"""The web UI's HTTPS certificate: self-signed, made on first start, kept in the data dir.

``ensure_certificate(folder)`` returns ``(cert_path, key_path)``; when the files are
missing (or unreadable) it makes an ECDSA P-256 key and a certificate valid 10 years for
``localhost``, ``127.0.0.1``, ``::1`` and the machine's host name.  The key file is
mode 0600.  An installer can replace both files with a certificate of their own (same
names); the box uses whatever is there.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from pathlib import Path

CERT_NAME = "web.crt"
KEY_NAME = "web.key"
VALID_DAYS = 3650


def ensure_certificate(folder: os.PathLike | str) -> tuple[Path, Path]:
    """``(cert, key)`` paths in ``folder``, generating a self-signed pair if absent."""
    folder = Path(folder)
    cert, key = folder / CERT_NAME, folder / KEY_NAME
    if cert.is_file() and key.is_file():
        return cert, key
    folder.mkdir(parents=True, exist_ok=True)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    pkey = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname() or "hotline"
    names: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.DNSName(host),
                                     x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                     x509.IPAddress(ipaddress.ip_address("::1"))]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Hotline {host}"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Hotline phone system")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(pkey.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5))
                   .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
                   .add_extension(x509.SubjectAlternativeName(names), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .sign(pkey, hashes.SHA256()))
    tmp_key = key.with_suffix(".tmp")
    fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pkey.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    os.replace(tmp_key, key)
    tmp_cert = cert.with_suffix(".tmp")
    tmp_cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp_cert, cert)
    return cert, key

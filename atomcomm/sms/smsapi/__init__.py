"""SMSAPI (smsapi.pl / smsapi.com): the gateway, its error codes and its callbacks."""

from atomcomm.sms.smsapi.callbacks import parse_smsapi_inbound, parse_smsapi_reports
from atomcomm.sms.smsapi.gateway import SmsapiGateway, backup_url_for

__all__ = ["SmsapiGateway", "backup_url_for", "parse_smsapi_inbound", "parse_smsapi_reports"]

"""Drives the WeChat Pay simulator with WeChat Pay's Python SDK as a merchant would
(`wechatpayv3` on PyPI, minibear2021/wechatpayv3: not ours). The SDK signs each request and
verifies the signature of each answer (Wechatpay-Signature-Type included), in public-key
mode. Only its gateway is pointed at the simulator.

Usage: wechatpay_sdk.py CONFIG.json COMMAND [ARGS]; prints one JSON object.
  open ORDER_NO FEN     an H5 order: {"status", "h5_url"}
  query ORDER_NO        {"status", "trade_state", "trade_state_desc"}
  close ORDER_NO        {"status"}
  refund ORDER_NO REFUND_NO FEN   {"status", "refund": {...}}
  notice                reads {"headers": {...}, "body": "..."} on stdin: the decrypted notice
"""
import json
import sys

from wechatpayv3 import WeChatPay, WeChatPayType


def client(config):
    pay = WeChatPay(
        wechatpay_type=WeChatPayType.H5,
        mchid=config["mchid"],
        private_key=config["merchant_private_key"],
        cert_serial_no=config["merchant_serial"],
        appid=config["appid"],
        apiv3_key=config["apiv3_key"],
        notify_url=config["notify_url"],
        public_key=config["platform_public_key"],
        public_key_id=config["platform_key_id"],
    )
    pay._core._gate_way = config["base_url"].rstrip("/")
    return pay


def main():
    config = json.load(open(sys.argv[1]))
    command, args = sys.argv[2], sys.argv[3:]
    pay = client(config)
    if command == "open":
        status, body = pay.pay(
            description="Conformance",
            out_trade_no=args[0],
            amount={"total": int(args[1])},
            pay_type=WeChatPayType.H5,
            scene_info={"payer_client_ip": "203.0.113.9", "h5_info": {"type": "Wap"}},
        )
        answer = json.loads(body)
        print(json.dumps({"status": status, "h5_url": answer.get("h5_url"), "answer": answer}))
    elif command == "query":
        status, body = pay.query(out_trade_no=args[0])
        answer = json.loads(body)
        print(json.dumps({"status": status, "trade_state": answer.get("trade_state"),
                          "trade_state_desc": answer.get("trade_state_desc")}))
    elif command == "close":
        status, _ = pay.close(out_trade_no=args[0])
        print(json.dumps({"status": status}))
    elif command == "refund":
        status, body = pay.refund(
            out_refund_no=args[1],
            amount={"refund": int(args[2]), "total": int(args[2]), "currency": "CNY"},
            out_trade_no=args[0],
        )
        print(json.dumps({"status": status, "refund": json.loads(body)}))
    elif command == "notice":
        notice = json.load(sys.stdin)
        print(json.dumps(pay.callback(notice["headers"], notice["body"])))
    else:
        raise SystemExit(f"unknown command {command}")


main()

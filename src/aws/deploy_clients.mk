# Deploy target clients (ACM, IAM, classic ELB, ELBv2, CloudFront) and the
# Query-protocol helper they share. Owned apart from clients.mk.
SRCS += src/aws/query.c src/aws/acm.c src/aws/iam.c src/aws/elb.c src/aws/elbv2.c \
	src/aws/cloudfront.c
